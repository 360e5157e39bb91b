// Package input reads the conformance harness's JSON input: Kubernetes
// Services and EndpointSlices plus the node facts kube-proxy needs.
package input

import (
	"encoding/json"
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
)

// Input is the file format; see conformance/README.md.
type Input struct {
	NodeName    string `json:"nodeName"`
	NodeIP      string `json:"nodeIP"`
	ClusterCIDR string `json:"clusterCIDR"`
	ServiceCIDR string `json:"serviceCIDR,omitempty"`
	// Iptables overrides what upstream's fake proxier fixes; unset keeps the fake's value.
	Iptables       IptablesOptions            `json:"iptables,omitempty"`
	Services       []*v1.Service              `json:"services"`
	EndpointSlices []*discovery.EndpointSlice `json:"endpointSlices"`
}

// IptablesOptions: things a real kube-proxy probes or reads from its config.
type IptablesOptions struct {
	// RandomFully: the iptables binary supports MASQUERADE --random-fully (fake: false).
	RandomFully *bool `json:"randomFully,omitempty"`
	// LocalhostNodePorts: --iptables-localhost-nodeports (fake: true).
	LocalhostNodePorts *bool `json:"localhostNodePorts,omitempty"`
	// Nfacct: the kernel has kube-proxy's nfacct counters (fake: true).
	Nfacct *bool `json:"nfacct,omitempty"`
}

// Read loads the file named by NETLAB_CONFORMANCE_INPUT.
func Read() (*Input, error) {
	path := os.Getenv("NETLAB_CONFORMANCE_INPUT")
	if path == "" {
		return nil, fmt.Errorf("NETLAB_CONFORMANCE_INPUT is not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	in := &Input{}
	if err := json.Unmarshal(data, in); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if in.NodeName == "" || in.NodeIP == "" || in.ClusterCIDR == "" {
		return nil, fmt.Errorf("%s: nodeName, nodeIP and clusterCIDR are required", path)
	}
	return in, nil
}
