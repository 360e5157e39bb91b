package waitserial

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A DNS server on 127.0.0.1 whose zone serial the test changes while Wait asks.
func serve(t *testing.T, serial *atomic.Uint32) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if r.Question[0].Qtype == dns.TypeSOA && r.Question[0].Name == "cluster.local." {
			m.Answer = append(m.Answer, &dns.SOA{
				Hdr:    dns.RR_Header{Name: "cluster.local.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 5},
				Ns:     "ns.dns.cluster.local.", Mbox: "hostmaster.cluster.local.", Serial: serial.Load(),
				Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: 5,
			})
		} else {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestReturnsOnceTheSerialIsServed(t *testing.T) {
	var serial atomic.Uint32
	serial.Store(10)
	addr := serve(t, &serial)
	go func() {
		time.Sleep(60 * time.Millisecond)
		serial.Store(11)
	}()
	start := time.Now()
	if err := Wait("cluster.local", 11, Options{Server: addr, Timeout: 2 * time.Second, Interval: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 50*time.Millisecond || took > time.Second {
		t.Fatalf("returned after %s; the serial changed after 60ms", took)
	}
}

func TestFailsNamingTheLastSerial(t *testing.T) {
	var serial atomic.Uint32
	serial.Store(10)
	addr := serve(t, &serial)
	err := Wait("cluster.local", 12, Options{Server: addr, Timeout: 100 * time.Millisecond, Interval: 5 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not serve serial 12") || !strings.Contains(err.Error(), "last: serial 10") {
		t.Fatalf("got %v", err)
	}
}

func TestFailsWhenNothingAnswers(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close() // nothing listens: each query is refused or times out
	err = Wait("cluster.local", 1, Options{Server: addr, Timeout: 50 * time.Millisecond, Interval: 5 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not serve serial 1") {
		t.Fatalf("got %v", err)
	}
}
