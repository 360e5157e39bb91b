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
	coremain.Run()
}
