// netlab's CoreDNS: the upstream server (github.com/coredns/coredns, version pinned
// in go.mod) linked with only the plugins netlab's Corefile uses. The full CoreDNS
// (core/plugin) links every plugin, and with them client-go and the cloud SDKs; this
// one compiles in a fraction of the time. The plugins run in CoreDNS's standard
// order: dnsserver.Directives (core/dnsserver/zdirectives.go, generated from
// plugin.cfg) filtered to the plugins linked here.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/template"
	_ "github.com/coredns/coredns/plugin/whoami"

	"netlab.dev/coredns/waitserial"
)

// The directives (plugin names, as written in a Corefile) of the plugins imported above.
var linked = []string{
	"errors", "health", "ready", "file", "hosts", "template", "prometheus",
	"cache", "loop", "reload", "loadbalance", "log", "forward", "whoami",
}

func init() {
	want := make(map[string]bool, len(linked))
	for _, name := range linked {
		want[name] = true
	}
	var order []string
	for _, name := range dnsserver.Directives {
		if want[name] {
			order = append(order, name)
			delete(want, name)
		}
	}
	if len(want) > 0 {
		// A plugin listed here that this CoreDNS version does not know: a mistake in this file.
		fmt.Fprintf(os.Stderr, "netlab coredns: unknown directives %v\n", want)
		os.Exit(2)
	}
	dnsserver.Directives = order
}

func main() {
	// The image links netlab-dns-wait to this binary: `netlab-dns-wait ZONE SERIAL` waits (3 s at
	// most) until this container's CoreDNS serves that serial, after netlab wrote new zone files.
	if filepath.Base(os.Args[0]) == "netlab-dns-wait" {
		os.Exit(dnsWait(os.Args[1:]))
	}
	coremain.Run()
}

func dnsWait(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: netlab-dns-wait ZONE SERIAL")
		return 2
	}
	serial, err := strconv.ParseUint(args[1], 10, 32)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netlab-dns-wait: serial %q: %v\n", args[1], err)
		return 2
	}
	if err := waitserial.Wait(args[0], uint32(serial), waitserial.Options{Server: "127.0.0.1:53", Timeout: 3 * time.Second, Interval: 5 * time.Millisecond}); err != nil {
		fmt.Fprintln(os.Stderr, "CoreDNS:", err)
		return 1
	}
	return 0
}
