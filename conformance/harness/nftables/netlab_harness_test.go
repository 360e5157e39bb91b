//go:build linux && netlab_conformance

// netlab conformance harness. scripts/conformance-build.sh copies this file
// next to a copy of upstream's k8s.io/kubernetes/pkg/proxy/nftables (with its
// _test.go files, where NewFakeProxier lives) and builds a test binary.

package nftables

import (
	"net"
	"os"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/proxy"
	proxyutil "k8s.io/kubernetes/pkg/proxy/util"
	proxyutiltest "k8s.io/kubernetes/pkg/proxy/util/testing"
	netutils "k8s.io/utils/net"

	"netlab.local/conformance/input"
)

func TestNetlabConformanceDump(t *testing.T) {
	in, err := input.Read()
	if err != nil {
		t.Fatal(err)
	}
	nft, fp := NewFakeProxier(v1.IPv4Protocol)

	// NewFakeProxier hard-codes upstream's test node; put the lab's node in.
	nodeIP := netutils.ParseIPSloppy(in.NodeIP)
	if nodeIP == nil {
		t.Fatalf("bad nodeIP %q", in.NodeIP)
	}
	fp.nodeName = in.NodeName
	fp.nodeIP = nodeIP
	fp.localDetector = proxyutil.NewDetectLocalByCIDR(in.ClusterCIDR)
	fp.endpointsChanges = proxy.NewEndpointsChangeTracker(v1.IPv4Protocol, in.NodeName, newEndpointInfo, nil)
	// Upstream's fake (like kube-proxy's nftables default, "primary") only
	// accepts NodePorts on the node IP.
	fp.nodePortAddresses = proxyutil.NewNodePortAddresses(v1.IPv4Protocol, []string{in.NodeIP + "/32"})
	if in.ServiceCIDR != "" {
		fp.serviceCIDRs = in.ServiceCIDR
	}
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

	out := nft.Dump()
	if path := os.Getenv("NETLAB_CONFORMANCE_OUTPUT"); path != "" {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	os.Stdout.WriteString(out)
}
