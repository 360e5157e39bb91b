//go:build linux && netlab_conformance

// netlab conformance harness. scripts/conformance-build.sh copies this file
// next to a copy of upstream's k8s.io/kubernetes/pkg/proxy/iptables (with its
// _test.go files, where NewFakeProxier lives) and builds a test binary.

package iptables

import (
	"net"
	"os"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/proxy"
	proxyutil "k8s.io/kubernetes/pkg/proxy/util"
	proxyutiltest "k8s.io/kubernetes/pkg/proxy/util/testing"
	iptablestest "k8s.io/kubernetes/pkg/util/iptables/testing"
	netutils "k8s.io/utils/net"

	"netlab.local/conformance/input"
)

func TestNetlabConformanceDump(t *testing.T) {
	in, err := input.Read()
	if err != nil {
		t.Fatal(err)
	}
	ipt := iptablestest.NewFake()
	if in.Iptables.RandomFully != nil {
		ipt.SetHasRandomFully(*in.Iptables.RandomFully)
	}
	fp := NewFakeProxier(ipt)
	if in.Iptables.LocalhostNodePorts != nil {
		fp.localhostNodePorts = *in.Iptables.LocalhostNodePorts
	}
	if in.Iptables.Nfacct != nil {
		for name := range fp.nfAcctCounters {
			fp.nfAcctCounters[name] = *in.Iptables.Nfacct
		}
	}

	// NewFakeProxier hard-codes upstream's test node; put the lab's node in.
	nodeIP := netutils.ParseIPSloppy(in.NodeIP)
	if nodeIP == nil {
		t.Fatalf("bad nodeIP %q", in.NodeIP)
	}
	fp.nodeName = in.NodeName
	fp.nodeIP = nodeIP
	fp.localDetector = proxyutil.NewDetectLocalByCIDR(in.ClusterCIDR)
	fp.endpointsChanges = proxy.NewEndpointsChangeTracker(v1.IPv4Protocol, in.NodeName, newEndpointInfo, nil)
	nw := proxyutiltest.NewFakeNetwork()
	nw.AddInterfaceAddr(&net.Interface{Index: 0, Name: "lo"}, []net.Addr{
		&net.IPNet{IP: netutils.ParseIPSloppy("127.0.0.1"), Mask: net.CIDRMask(8, 32)},
	})
	nw.AddInterfaceAddr(&net.Interface{Index: 1, Name: "eth0"}, []net.Addr{
		&net.IPNet{IP: nodeIP, Mask: net.CIDRMask(32, 32)},
	})
	fp.networkInterfacer = nw

	makeServiceMap(fp, in.Services...)
	populateEndpointSlices(fp, in.EndpointSlices...)
	fp.syncProxyRules()

	out := fp.iptablesData.String()
	if path := os.Getenv("NETLAB_CONFORMANCE_OUTPUT"); path != "" {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	os.Stdout.WriteString(out)
}
