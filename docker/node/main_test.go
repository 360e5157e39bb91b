package main

// Tests of netlab-proxy on the loopback interface only: every proxy port and every
// backend the tests start listens on 127.0.0.1, and every wait has a deadline.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ioTimeout bounds every network read and write of the tests.
const ioTimeout = 3 * time.Second

// runAsProxy makes the test binary netlab-proxy itself (main, with its own flags), so that
// --reload-or-start, which starts os.Executable(), can be tested end to end.
const runAsProxy = "NETLAB_PROXY_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	listenHost = "127.0.0.1"
	if os.Getenv(runAsProxy) == "1" {
		main()
		return
	}
	if os.Getenv("NETLAB_PROXY_TEST_LOG") == "" {
		logger.SetOutput(io.Discard)
	}
	os.Exit(m.Run())
}

// --- helpers ---------------------------------------------------------------

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "proxy.json")
	writeFile(t, path, content)
	return path
}

// freePort returns a port of 127.0.0.1 that nothing listened on a moment ago.
func freePort(t *testing.T, network string) int {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	default:
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
}

// lastDeadPort is the last low port handed out by deadTCPEndpoint.
var lastDeadPort = 0

// deadTCPEndpoint is an address on 127.0.0.1 where nothing listens (a dial is refused). It is
// a port below 1024, which the kernel never hands out for port 0: a port freed by a test could
// be given to the proxy's own listener next, and a proxy dialling itself loops.
func deadTCPEndpoint(t *testing.T) string {
	t.Helper()
	for lastDeadPort++; lastDeadPort < 1024; lastDeadPort++ {
		addr := "127.0.0.1:" + strconv.Itoa(lastDeadPort)
		conn, err := net.DialTimeout("tcp4", addr, time.Second)
		if err == nil {
			conn.Close()
			continue
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return addr
		}
	}
	t.Fatal("no port below 1024 refuses connections on 127.0.0.1")
	return ""
}

// tcpBackend is an endpoint that answers every line it reads with "<name>:<line>"
// and closes its side only after the client's end of stream.
func tcpBackend(t *testing.T, name string) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(conn)
				for {
					line, err := r.ReadString('\n')
					if line != "" {
						if _, werr := fmt.Fprintf(conn, "%s:%s", name, line); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}(conn)
		}
	}()
	return l.Addr().String()
}

// udpBackend is an endpoint that answers every datagram with "<name>:<datagram>".
func udpBackend(t *testing.T, name string) string {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = c.WriteTo([]byte(name+":"+string(buf[:n])), from)
		}
	}()
	return c.LocalAddr().String()
}

// openProxy opens a proxy port on an ephemeral port of 127.0.0.1 and returns it with
// its address.
func openProxy(t *testing.T, sp ServicePort) (*listener, string) {
	t.Helper()
	if sp.ServicePort == "" {
		sp.ServicePort = "test/svc:" + strings.ToLower(sp.Protocol)
	}
	l, err := open(sp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	if l.udp != nil {
		return l, l.udp.LocalAddr().String()
	}
	return l, l.tcp.Addr().String()
}

// tcpRequest connects to addr, sends one line and returns the one line answered.
func tcpRequest(t *testing.T, addr, line string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(conn, line+"\n"); err != nil {
		t.Fatalf("write to %s: %v", addr, err)
	}
	answer, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read from %s: %v (got %q)", addr, err, answer)
	}
	return strings.TrimSuffix(answer, "\n")
}

// udpRequest sends one datagram from conn to addr and returns the answer.
func udpRequest(t *testing.T, conn *net.UDPConn, addr, payload string) (string, error) {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := conn.WriteToUDP([]byte(payload), ua); err != nil {
		return "", err
	}
	buf := make([]byte, 2048)
	n, _, err := conn.ReadFromUDP(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func udpClientConn(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// expectClosedWithoutData dials addr and expects the proxy to close the connection
// without sending anything.
func expectClosedWithoutData(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", addr, ioTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v (the proxy port should accept, then close)", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	_, _ = io.WriteString(conn, "hello\n")
	data, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the proxy kept the connection open (read timed out)")
	}
	if len(data) != 0 {
		t.Fatalf("got %q, want the connection closed without an answer", data)
	}
}

// expectRefused expects nothing to listen on addr any more.
func expectRefused(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", addr, ioTimeout)
	if err == nil {
		conn.Close()
		t.Fatalf("dial %s succeeded, want it refused (listener closed)", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", addr, err)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// --- config ----------------------------------------------------------------

func TestReadConfigObject(t *testing.T) {
	path := writeConfig(t, `{"services": [
		{"serviceport": "default/web:http", "protocol": "tcp", "clusterIP": "10.96.0.10", "port": 80,
		 "proxyPort": 10400, "endpoints": ["10.0.1.2:8080", "10.0.2.2:8080"], "affinitySeconds": 10800},
		{"serviceport": "kube-system/dns:dns", "protocol": "udp", "clusterIP": "10.96.0.53", "port": 53,
		 "proxyPort": 10400, "endpoints": ["10.0.1.3:53"]},
		{"serviceport": "default/bare:x", "proxyPort": 10401}
	]}`)
	services, err := readConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != 3 {
		t.Fatalf("got %d services, want 3: %+v", len(services), services)
	}
	web := services[0]
	if web.ServicePort != "default/web:http" || web.Protocol != "TCP" || web.ClusterIP != "10.96.0.10" ||
		web.Port != 80 || web.ProxyPort != 10400 || web.AffinitySeconds != 10800 ||
		strings.Join(web.Endpoints, ",") != "10.0.1.2:8080,10.0.2.2:8080" {
		t.Errorf("web parsed as %+v", web)
	}
	// The protocol is upper-cased, so TCP/10400 and UDP/10400 are different keys.
	if services[1].Protocol != "UDP" || services[1].AffinitySeconds != 0 {
		t.Errorf("dns parsed as %+v", services[1])
	}
	// No protocol means TCP; no endpoints is allowed.
	if services[2].Protocol != "TCP" || len(services[2].Endpoints) != 0 {
		t.Errorf("bare parsed as %+v", services[2])
	}
}

func TestReadConfigBareArray(t *testing.T) {
	path := writeConfig(t, "\n  [{\"serviceport\": \"a/b:c\", \"protocol\": \"UDP\", \"proxyPort\": 10500, \"endpoints\": [\"10.0.0.1:53\"]}]\n")
	services, err := readConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(services) != 1 || services[0].ServicePort != "a/b:c" || services[0].ProxyPort != 10500 || services[0].Protocol != "UDP" {
		t.Fatalf("got %+v", services)
	}
}

func TestReadConfigEmpty(t *testing.T) {
	services, err := readConfig(writeConfig(t, `{"services": []}`))
	if err != nil || len(services) != 0 {
		t.Fatalf("got %+v, %v; want no services and no error", services, err)
	}
}

func TestReadConfigErrors(t *testing.T) {
	cases := []struct {
		name, content, want string
	}{
		{"malformed JSON", `{"services": [`, "unexpected end of JSON input"},
		{"wrong type", `{"services": [{"proxyPort": "10400"}]}`, "cannot unmarshal"},
		{"not JSON", `proxyPort=10400`, "invalid character"},
		{"protocol", `{"services": [{"serviceport": "a/s:p", "protocol": "SCTP", "proxyPort": 10400}]}`, `a/s:p: protocol "SCTP" is not TCP or UDP`},
		{"proxy port zero", `{"services": [{"serviceport": "a/s:p", "proxyPort": 0}]}`, "a/s:p: proxyPort 0 is not a port"},
		{"proxy port too big", `{"services": [{"serviceport": "a/s:p", "proxyPort": 65536}]}`, "proxyPort 65536 is not a port"},
		{"endpoint without port", `{"services": [{"serviceport": "a/s:p", "proxyPort": 10400, "endpoints": ["10.0.0.1"]}]}`, `endpoint "10.0.0.1" is not ip:port`},
		{"duplicate proxy port", `[{"serviceport": "a/one:p", "proxyPort": 10400}, {"serviceport": "a/two:p", "protocol": "tcp", "proxyPort": 10400}]`, "a/one:p and a/two:p both use TCP/10400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.content)
			services, err := readConfig(path)
			if err == nil {
				t.Fatalf("no error; got %+v", services)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q should name %s and contain %q", err, path, tc.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := readConfig(filepath.Join(t.TempDir(), "absent.json"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("got %v, want a not-exist error", err)
		}
	})
}

// --- balancer --------------------------------------------------------------

func nextN(t *testing.T, b *balancer, client string, n int) []string {
	t.Helper()
	var got []string
	for i := 0; i < n; i++ {
		ep, err := b.next(client, false)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ep)
	}
	return got
}

func TestBalancerRoundRobin(t *testing.T) {
	b := newBalancer(ServicePort{Endpoints: []string{"a:1", "b:1", "c:1"}})
	// Without affinity the rotation is shared by every client.
	var got []string
	for i, client := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.1", "10.0.0.3", "10.0.0.2", "10.0.0.1"} {
		ep, err := b.next(client, i%2 == 0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ep)
	}
	if want := "a:1 b:1 c:1 a:1 b:1 c:1 a:1"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if len(b.affinity) != 0 {
		t.Fatalf("affinity recorded without affinitySeconds: %v", b.affinity)
	}
}

func TestBalancerNoEndpoints(t *testing.T) {
	b := newBalancer(ServicePort{AffinitySeconds: 60})
	if ep, err := b.next("10.0.0.1", false); err == nil {
		t.Fatalf("got endpoint %q, want an error", ep)
	}
}

func TestBalancerSessionAffinity(t *testing.T) {
	b := newBalancer(ServicePort{Endpoints: []string{"a:1", "b:1", "c:1"}, AffinitySeconds: 60})
	if got := strings.Join(nextN(t, b, "10.0.0.1", 3), " "); got != "a:1 a:1 a:1" {
		t.Fatalf("client 1 got %s, want to stay on a:1", got)
	}
	if got := strings.Join(nextN(t, b, "10.0.0.2", 2), " "); got != "b:1 b:1" {
		t.Fatalf("client 2 got %s, want the next endpoint b:1, kept", got)
	}
	// A reset (a failed dial) moves the client on round robin and pins the new one.
	ep, err := b.next("10.0.0.1", true)
	if err != nil || ep != "c:1" {
		t.Fatalf("after reset client 1 got %q, %v; want c:1", ep, err)
	}
	if got := strings.Join(nextN(t, b, "10.0.0.1", 2), " "); got != "c:1 c:1" {
		t.Fatalf("client 1 after reset got %s, want c:1 kept", got)
	}
	// Affinity expires after affinitySeconds without use.
	b.affinity["10.0.0.2"].lastUsed = time.Now().Add(-61 * time.Second)
	if ep, _ := b.next("10.0.0.2", false); ep != "a:1" {
		t.Fatalf("client 2 after expiry got %q, want the next in rotation a:1", ep)
	}
}

func TestBalancerUpdate(t *testing.T) {
	b := newBalancer(ServicePort{Endpoints: []string{"a:1", "b:1", "c:1"}, AffinitySeconds: 60})
	nextN(t, b, "10.0.0.1", 1) // -> a:1
	nextN(t, b, "10.0.0.2", 1) // -> b:1

	// Same endpoints (another field changed): rotation and affinity are kept.
	b.update(ServicePort{ClusterIP: "10.96.0.9", Endpoints: []string{"a:1", "b:1", "c:1"}, AffinitySeconds: 60})
	if b.current().ClusterIP != "10.96.0.9" {
		t.Fatalf("update did not install the new entry: %+v", b.current())
	}
	if got := strings.Join(nextN(t, b, "10.0.0.3", 1), ""); got != "c:1" {
		t.Fatalf("got %q, want the rotation to continue with c:1", got)
	}
	nextN(t, b, "10.0.0.4", 1) // -> a:1, so the rotation stands at its second endpoint

	// b:1 is gone: client 2's affinity is forgotten, client 1's is kept, and the
	// rotation restarts at the first endpoint.
	b.update(ServicePort{Endpoints: []string{"d:1", "a:1"}, AffinitySeconds: 60})
	if ep, _ := b.next("10.0.0.1", false); ep != "a:1" {
		t.Fatalf("client 1 got %q, want its surviving affinity a:1", ep)
	}
	if ep, _ := b.next("10.0.0.2", false); ep != "d:1" {
		t.Fatalf("client 2 got %q, want the restarted rotation's d:1", ep)
	}

	// Affinity switched off: every client goes round robin.
	b.update(ServicePort{Endpoints: []string{"d:1", "a:1"}})
	if len(b.affinity) != 0 {
		t.Fatalf("affinity kept after affinitySeconds went to 0: %v", b.affinity)
	}
	if got := strings.Join(nextN(t, b, "10.0.0.1", 3), " "); got != "a:1 d:1 a:1" {
		t.Fatalf("client 1 got %s, want round robin a:1 d:1 a:1", got)
	}
}

func TestBalancerForgetsAffinityToRemovedEndpoint(t *testing.T) {
	b := newBalancer(ServicePort{Endpoints: []string{"a:1", "b:1"}, AffinitySeconds: 60})
	nextN(t, b, "10.0.0.1", 1) // -> a:1
	nextN(t, b, "10.0.0.2", 1) // -> b:1
	// b:1 goes away and comes back: client 2 was not pinned to it any more.
	b.update(ServicePort{Endpoints: []string{"a:1"}, AffinitySeconds: 60})
	b.update(ServicePort{Endpoints: []string{"a:1", "b:1"}, AffinitySeconds: 60})
	if ep, _ := b.next("10.0.0.2", false); ep != "a:1" {
		t.Fatalf("client 2 got %q, want a fresh round-robin pick a:1", ep)
	}
}

// --- TCP -------------------------------------------------------------------

func TestTCPForwardRoundRobin(t *testing.T) {
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{b1, b2}})
	var got []string
	for i := 0; i < 4; i++ {
		got = append(got, tcpRequest(t, addr, "ping"+strconv.Itoa(i)))
	}
	if want := "b1:ping0 b2:ping1 b1:ping2 b2:ping3"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func TestTCPHalfCloseAndLargePayload(t *testing.T) {
	b1 := tcpBackend(t, "b1")
	_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{b1}})
	conn, err := net.DialTimeout("tcp4", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	var sent, want strings.Builder
	for i := 0; i < 5000; i++ {
		line := fmt.Sprintf("line %d %s\n", i, strings.Repeat("x", 40))
		sent.WriteString(line)
		want.WriteString("b1:" + line)
	}
	// Write concurrently with reading, so neither side's buffers fill up.
	go func() {
		_, _ = io.WriteString(conn, sent.String())
		// The half-close must reach the backend: it answers until our end of stream,
		// then closes, and only that ends the ReadAll below.
		_ = conn.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read: %v after %d bytes", err, len(got))
	}
	if string(got) != want.String() {
		t.Fatalf("got %d bytes, want %d bytes of echoed lines", len(got), want.Len())
	}
}

func TestTCPSkipsDeadEndpoint(t *testing.T) {
	live := tcpBackend(t, "live")
	// The dead endpoint first and second in the rotation: either way every client
	// ends up on the live one, the failed dial moving on to the next endpoint.
	for _, endpoints := range [][]string{{deadTCPEndpoint(t), live}, {live, deadTCPEndpoint(t)}} {
		_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: endpoints})
		for i := 0; i < 3; i++ {
			if got := tcpRequest(t, addr, "x"); got != "live:x" {
				t.Fatalf("endpoints %v, request %d: got %q, want live:x", endpoints, i, got)
			}
		}
	}
}

func TestTCPSessionAffinity(t *testing.T) {
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{b1, b2}, AffinitySeconds: 30})
	for i := 0; i < 4; i++ {
		if got := tcpRequest(t, addr, "x"); got != "b1:x" {
			t.Fatalf("request %d got %q, want every connection from 127.0.0.1 on b1", i, got)
		}
	}
}

func TestTCPAffinityMovesOffDeadEndpoint(t *testing.T) {
	live := tcpBackend(t, "live")
	// The first dial lands on the dead endpoint and pins the client to it; the failed
	// dial must reset that affinity, else every retry would pick the dead one again.
	_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{deadTCPEndpoint(t), live}, AffinitySeconds: 30})
	for i := 0; i < 3; i++ {
		if got := tcpRequest(t, addr, "x"); got != "live:x" {
			t.Fatalf("request %d: got %q, want live:x", i, got)
		}
	}
}

func TestTCPNoEndpoints(t *testing.T) {
	_, addr := openProxy(t, ServicePort{Protocol: "TCP"})
	expectClosedWithoutData(t, addr)
}

func TestTCPAllEndpointsDead(t *testing.T) {
	_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{deadTCPEndpoint(t), deadTCPEndpoint(t)}})
	expectClosedWithoutData(t, addr)
}

func TestTCPClose(t *testing.T) {
	l, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{tcpBackend(t, "b1")}})
	if got := tcpRequest(t, addr, "x"); got != "b1:x" {
		t.Fatalf("got %q", got)
	}
	l.close()
	expectRefused(t, addr)
}

// --- UDP -------------------------------------------------------------------

func TestUDPForward(t *testing.T) {
	b1, b2 := udpBackend(t, "b1"), udpBackend(t, "b2")
	_, addr := openProxy(t, ServicePort{Protocol: "UDP", Endpoints: []string{b1, b2}})
	c1, c2 := udpClientConn(t), udpClientConn(t)
	// A client address keeps its backend socket (and so its endpoint) while active;
	// another client address gets the next endpoint.
	for i, want := range []string{"b1:one", "b1:two"} {
		got, err := udpRequest(t, c1, addr, strings.TrimPrefix(want, "b1:"))
		if err != nil || got != want {
			t.Fatalf("client 1 datagram %d: got %q, %v; want %q", i, got, err, want)
		}
	}
	if got, err := udpRequest(t, c2, addr, "three"); err != nil || got != "b2:three" {
		t.Fatalf("client 2: got %q, %v; want b2:three", got, err)
	}
}

func TestUDPIdleTimeoutForgetsClient(t *testing.T) {
	b1, b2 := udpBackend(t, "b1"), udpBackend(t, "b2")
	l, addr := openProxy(t, ServicePort{Protocol: "UDP", Endpoints: []string{b1, b2}})
	c := udpClientConn(t)
	if got, err := udpRequest(t, c, addr, "a"); err != nil || got != "b1:a" {
		t.Fatalf("got %q, %v; want b1:a", got, err)
	}
	key := c.LocalAddr().String()
	if _, ok := l.clients.Load(key); !ok {
		t.Fatalf("no backend socket recorded for %s", key)
	}
	// After udpIdleTimeout without traffic the backend socket is closed and forgotten.
	eventually(t, "the idle UDP client to be forgotten", func() bool {
		_, ok := l.clients.Load(key)
		return !ok
	})
	// The next datagram is a new flow: it takes the next endpoint round robin.
	if got, err := udpRequest(t, c, addr, "b"); err != nil || got != "b2:b" {
		t.Fatalf("got %q, %v; want b2:b", got, err)
	}
}

func TestUDPNoEndpoints(t *testing.T) {
	l, addr := openProxy(t, ServicePort{Protocol: "UDP"})
	c := udpClientConn(t)
	ua, _ := net.ResolveUDPAddr("udp4", addr)
	if _, err := c.WriteToUDP([]byte("lost"), ua); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 64)
	if n, _, err := c.ReadFromUDP(buf); err == nil {
		t.Fatalf("got an answer %q with no endpoints", buf[:n])
	} else {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read: %v, want a timeout (datagram dropped)", err)
		}
	}
	// The port keeps serving: once there is an endpoint, datagrams reach it.
	l.lb.update(ServicePort{Protocol: "UDP", Endpoints: []string{udpBackend(t, "b1")}})
	if got, err := udpRequest(t, c, addr, "found"); err != nil || got != "b1:found" {
		t.Fatalf("got %q, %v; want b1:found", got, err)
	}
}

// --- sync, reload and signals ----------------------------------------------

func proxyConfig(services ...string) string {
	return `{"services": [` + strings.Join(services, ",") + `]}`
}

func serviceJSON(name, protocol string, proxyPort int, endpoints ...string) string {
	quoted := make([]string, len(endpoints))
	for i, ep := range endpoints {
		quoted[i] = strconv.Quote(ep)
	}
	return fmt.Sprintf(`{"serviceport": %q, "protocol": %q, "clusterIP": "10.96.0.1", "port": 80, "proxyPort": %d, "endpoints": [%s]}`,
		name, protocol, proxyPort, strings.Join(quoted, ","))
}

func newTestProxy(t *testing.T) *proxy {
	p := &proxy{listeners: map[string]*listener{}}
	t.Cleanup(p.closeAll)
	return p
}

func TestReloadChangesEndpointsAndListeners(t *testing.T) {
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	u1 := udpBackend(t, "u1")
	webPort, oldPort, dnsPort := freePort(t, "tcp"), freePort(t, "tcp"), freePort(t, "udp")
	web := "127.0.0.1:" + strconv.Itoa(webPort)
	old := "127.0.0.1:" + strconv.Itoa(oldPort)
	dns := "127.0.0.1:" + strconv.Itoa(dnsPort)

	cfg := writeConfig(t, proxyConfig(
		serviceJSON("default/web:http", "TCP", webPort, b1),
		serviceJSON("default/old:http", "TCP", oldPort, b1)))
	p := newTestProxy(t)
	if err := p.reload(cfg); err != nil {
		t.Fatal(err)
	}
	if got := tcpRequest(t, web, "x"); got != "b1:x" {
		t.Fatalf("web before reload: %q", got)
	}
	if got := tcpRequest(t, old, "x"); got != "b1:x" {
		t.Fatalf("old before reload: %q", got)
	}
	webListener := p.listeners["TCP/"+strconv.Itoa(webPort)]

	// A connection opened before the reload stays on its endpoint.
	kept, err := net.DialTimeout("tcp4", web, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	_ = kept.SetDeadline(time.Now().Add(ioTimeout))
	keptReader := bufio.NewReader(kept)
	// The round trip makes sure the proxy has dialed b1 before the reload.
	if _, err := io.WriteString(kept, "before\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := keptReader.ReadString('\n'); err != nil || line != "b1:before\n" {
		t.Fatalf("kept connection: %q, %v", line, err)
	}

	// web moves to b2, old goes away, dns (UDP) appears.
	writeFile(t, cfg, proxyConfig(
		serviceJSON("default/web:http", "TCP", webPort, b2),
		serviceJSON("kube-system/dns:dns", "UDP", dnsPort, u1)))
	if err := p.reload(cfg); err != nil {
		t.Fatal(err)
	}
	if p.listeners["TCP/"+strconv.Itoa(webPort)] != webListener {
		t.Fatalf("the web listener was reopened; it should be kept across a reload")
	}
	for i := 0; i < 2; i++ {
		if got := tcpRequest(t, web, "y"); got != "b2:y" {
			t.Fatalf("web after reload: %q, want b2:y", got)
		}
	}
	if _, err := io.WriteString(kept, "after\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := keptReader.ReadString('\n'); err != nil || line != "b1:after\n" {
		t.Fatalf("kept connection after reload: %q, %v; want b1:after", line, err)
	}
	expectRefused(t, old)
	if got, err := udpRequest(t, udpClientConn(t), dns, "q"); err != nil || got != "u1:q" {
		t.Fatalf("dns after reload: %q, %v; want u1:q", got, err)
	}
	if len(p.listeners) != 2 {
		t.Fatalf("%d listeners open, want 2", len(p.listeners))
	}
}

func TestReloadBadConfigKeepsRunningConfig(t *testing.T) {
	b1 := tcpBackend(t, "b1")
	port := freePort(t, "tcp")
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cfg := writeConfig(t, proxyConfig(serviceJSON("default/web:http", "TCP", port, b1)))
	p := newTestProxy(t)
	if err := p.reload(cfg); err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, `{"services": [{"serviceport": "default/web:http", "proxyPort": `)
	if err := p.reload(cfg); err == nil {
		t.Fatal("reload of a malformed config succeeded")
	}
	if got := tcpRequest(t, addr, "x"); got != "b1:x" {
		t.Fatalf("after a failed reload got %q, want the old endpoint b1", got)
	}
}

func TestSyncRemovingEndpointsClosesConnections(t *testing.T) {
	b1 := tcpBackend(t, "b1")
	port := freePort(t, "tcp")
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := newTestProxy(t)
	sp := ServicePort{ServicePort: "default/web:http", Protocol: "TCP", ProxyPort: port, Endpoints: []string{b1}}
	p.sync([]ServicePort{sp})
	if got := tcpRequest(t, addr, "x"); got != "b1:x" {
		t.Fatalf("got %q", got)
	}
	// A service whose endpoints all went away keeps its port, which closes clients.
	sp.Endpoints = nil
	p.sync([]ServicePort{sp})
	expectClosedWithoutData(t, addr)
	p.sync(nil)
	expectRefused(t, addr)
}

func TestServeSIGHUPReloadsAndSIGTERMExits(t *testing.T) {
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	port := freePort(t, "tcp")
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "proxy.json")
	pidFile := filepath.Join(dir, "netlab-proxy.pid")
	writeFile(t, cfg, proxyConfig(serviceJSON("default/web:http", "TCP", port, b1)))
	writeFile(t, pidFile, strconv.Itoa(os.Getpid())+"\n")

	p := newTestProxy(t)
	services, err := readConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.sync(services)

	// The real signal path: `netlab-proxy --reload` (signalRunning) sends SIGHUP to
	// the pid in the pid file (this test process), which is delivered on the channel
	// serve reads, as in main.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP)
	defer signal.Stop(signals)
	status := make(chan int, 1)
	go func() { status <- p.serve(cfg, pidFile, signals) }()

	if got := tcpRequest(t, addr, "x"); got != "b1:x" {
		t.Fatalf("before SIGHUP got %q", got)
	}
	writeFile(t, cfg, proxyConfig(serviceJSON("default/web:http", "TCP", port, b2)))
	if code := signalRunning(pidFile, syscall.SIGHUP); code != 0 {
		t.Fatalf("signalRunning returned %d", code)
	}
	var answer string
	eventually(t, "SIGHUP to move the service to b2", func() bool {
		answer = tcpRequest(t, addr, "y")
		return answer == "b2:y"
	})

	// SIGTERM (injected on the channel, not sent to the test process) ends serve.
	signals <- syscall.SIGTERM
	select {
	case code := <-status:
		if code != 0 {
			t.Fatalf("serve returned %d, want 0", code)
		}
	case <-time.After(ioTimeout):
		t.Fatal("serve did not return after SIGTERM")
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pid file still there after SIGTERM: %v", err)
	}
	if len(p.listeners) != 0 {
		t.Fatalf("%d listeners left open", len(p.listeners))
	}
	expectRefused(t, addr)
}

func TestSignalRunningErrors(t *testing.T) {
	dir := t.TempDir()
	if code := signalRunning(filepath.Join(dir, "absent.pid"), 0); code != 1 {
		t.Errorf("missing pid file: got %d, want 1", code)
	}
	for _, content := range []string{"", "not-a-pid\n", "0\n", "-5\n"} {
		path := filepath.Join(dir, "bad.pid")
		writeFile(t, path, content)
		if code := signalRunning(path, 0); code != 1 {
			t.Errorf("pid file %q: got %d, want 1", content, code)
		}
	}
	// Signal 0 only checks that the process exists: this one does.
	path := filepath.Join(dir, "self.pid")
	writeFile(t, path, " "+strconv.Itoa(os.Getpid())+"\n")
	if code := signalRunning(path, 0); code != 0 {
		t.Errorf("own pid: got %d, want 0", code)
	}
}

// Concurrent clients through one TCP proxy port all get their own answers.
func TestTCPConcurrentClients(t *testing.T) {
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	_, addr := openProxy(t, ServicePort{Protocol: "TCP", Endpoints: []string{b1, b2}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp4", addr, ioTimeout)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(ioTimeout))
			msg := "c" + strconv.Itoa(i)
			if _, err := io.WriteString(conn, msg+"\n"); err != nil {
				errs <- err
				return
			}
			line, err := bufio.NewReader(conn).ReadString('\n')
			if err != nil {
				errs <- err
				return
			}
			name, echoed, _ := strings.Cut(strings.TrimSuffix(line, "\n"), ":")
			if echoed != msg {
				errs <- fmt.Errorf("client %d got %q", i, line)
				return
			}
			mu.Lock()
			counts[name]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if counts["b1"] != 10 || counts["b2"] != 10 {
		t.Fatalf("connections per endpoint %v, want 10 each (round robin)", counts)
	}
}

// --reload-or-start: starts a proxy in the background (returning once it listens), then the
// next call reloads that one (SIGHUP) instead of starting another; a bad config is refused
// before anything starts; a pid file naming some other program is not trusted.
func TestReloadOrStart(t *testing.T) {
	t.Setenv(runAsProxy, "1")
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	port := freePort(t, "tcp")
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "proxy.json")
	logPath := filepath.Join(dir, "proxy.log")
	pidFile := filepath.Join(dir, "netlab-proxy.pid")

	writeFile(t, cfg, "{not json")
	if code := reloadOrStartProxy(cfg, logPath, pidFile, ioTimeout); code != 1 {
		t.Fatalf("bad config: got %d, want 1", code)
	}
	if _, err := os.Stat(pidFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a proxy started on a bad config: %v", err)
	}

	// A pid file that names another program (pid 1: a node restarted since) is not trusted.
	writeFile(t, pidFile, "1\n")
	writeFile(t, cfg, proxyConfig(serviceJSON("default/web:http", "TCP", port, b1)))
	if code := reloadOrStartProxy(cfg, logPath, pidFile, ioTimeout); code != 0 {
		t.Fatalf("start: got %d, want 0", code)
	}
	pid, ok := runningProxy(pidFile)
	if !ok || pid == 1 || pid == os.Getpid() {
		t.Fatalf("no proxy started (pid file names %d)", pid)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	// It listens as soon as the call returns.
	if got := tcpRequest(t, addr, "x"); got != "b1:x" {
		t.Fatalf("after start got %q", got)
	}

	writeFile(t, cfg, proxyConfig(serviceJSON("default/web:http", "TCP", port, b2)))
	if code := reloadOrStartProxy(cfg, logPath, pidFile, ioTimeout); code != 0 {
		t.Fatalf("reload: got %d, want 0", code)
	}
	if again, _ := runningProxy(pidFile); again != pid {
		t.Fatalf("reload started another proxy (%d, was %d)", again, pid)
	}
	eventually(t, "SIGHUP to move the service to b2", func() bool { return tcpRequest(t, addr, "y") == "b2:y" })

	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the proxy to exit and remove its pid file", func() bool {
		_, err := os.Stat(pidFile)
		return errors.Is(err, os.ErrNotExist)
	})
}

func TestRunningProxyNeedsThisProgram(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.pid")
	writeFile(t, path, strconv.Itoa(os.Getpid())+"\n")
	if pid, ok := runningProxy(path); !ok || pid != os.Getpid() {
		t.Errorf("own pid: got %d %v", pid, ok)
	}
	for _, content := range []string{"1\n", "", "x\n", "-3\n"} {
		writeFile(t, path, content)
		if _, ok := runningProxy(path); ok {
			t.Errorf("pid file %q taken for a running proxy", content)
		}
	}
	if _, ok := runningProxy(filepath.Join(dir, "absent")); ok {
		t.Error("a missing pid file taken for a running proxy")
	}
}
