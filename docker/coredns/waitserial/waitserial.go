// Package waitserial asks a DNS server for a zone's SOA until it answers with a given serial:
// how netlab knows that CoreDNS's `file` plugin has loaded the zone files it just wrote, so that
// a command returns with DNS converged. It runs inside netlab's CoreDNS binary (invoked as
// netlab-dns-wait), in place of a shell loop that started dig (~35 ms a query) every 50 ms.
package waitserial

import (
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Options say whom to ask and how long to keep asking.
type Options struct {
	Server   string        // host:port, UDP
	Timeout  time.Duration // in all
	Interval time.Duration // between queries
}

// Wait returns nil once `server` answers zone's SOA with `serial`, or an error when the time is up
// (naming the last serial seen, or the last failure).
func Wait(zone string, serial uint32, o Options) error {
	c := &dns.Client{Net: "udp", Timeout: 250 * time.Millisecond}
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	deadline := time.Now().Add(o.Timeout)
	last := "no answer"
	for {
		r, _, err := c.Exchange(q, o.Server)
		switch {
		case err != nil:
			last = err.Error()
		default:
			last = fmt.Sprintf("no SOA (%s)", dns.RcodeToString[r.Rcode])
			for _, rr := range r.Answer {
				if soa, ok := rr.(*dns.SOA); ok {
					if soa.Serial == serial {
						return nil
					}
					last = fmt.Sprintf("serial %d", soa.Serial)
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not serve serial %d of %s within %s (last: %s)", o.Server, serial, zone, o.Timeout, last)
		}
		time.Sleep(o.Interval)
	}
}
