// kube-proxy's service health-check server (pkg/proxy/healthcheck/service_health.go), for
// LoadBalancer Services with externalTrafficPolicy Local: on each healthCheckNodePort it
// answers any request with how many endpoints of the Service this node has, 200 when it has
// some and 503 when it has none, so that a load balancer sends the Service's traffic only to
// nodes that keep it local. netlab runs it in every node in the iptables and nftables modes
// (its own netlab-proxy process, with a config of health checks only).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
)

// HealthCheck is one entry of the config's "healthChecks".
type HealthCheck struct {
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	Port           int    `json:"port"`
	LocalEndpoints int    `json:"localEndpoints"`
}

func readHealthChecks(path string) ([]HealthCheck, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		HealthChecks []HealthCheck `json:"healthChecks"`
	}
	if len(data) > 0 && data[0] == '[' {
		return nil, nil // a bare list of service ports: no health checks
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[int]bool{}
	for _, hc := range cfg.HealthChecks {
		if hc.Port <= 0 || hc.Port > 65535 {
			return nil, fmt.Errorf("%s: %s/%s: health-check port %d is not a port", path, hc.Namespace, hc.Name, hc.Port)
		}
		if seen[hc.Port] {
			return nil, fmt.Errorf("%s: health-check port %d is listed twice", path, hc.Port)
		}
		seen[hc.Port] = true
	}
	return cfg.HealthChecks, nil
}

// healthBody is what kube-proxy writes: the Service, its local endpoints, and that the proxy is healthy.
func healthBody(hc HealthCheck) string {
	return fmt.Sprintf("{\n\t\"service\": {\n\t\t\"namespace\": %q,\n\t\t\"name\": %q\n\t},\n\t\"localEndpoints\": %d,\n\t\"serviceProxyHealthy\": true\n}",
		hc.Namespace, hc.Name, hc.LocalEndpoints)
}

func healthHandler(current func() HealthCheck) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hc := current()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Load-Balancing-Endpoint-Weight", strconv.Itoa(hc.LocalEndpoints))
		if hc.LocalEndpoints > 0 {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprint(w, healthBody(hc))
	})
}

type healthServer struct {
	check  atomic.Value // HealthCheck
	server *http.Server
}

// syncHealth makes the open health-check ports match `checks`: new ports listen, gone ones
// close, the others answer with the new counts at once.
func (p *proxy) syncHealth(checks []HealthCheck) {
	want := map[int]HealthCheck{}
	for _, hc := range checks {
		want[hc.Port] = hc
	}
	for port, s := range p.health {
		if _, ok := want[port]; !ok {
			logger.Printf("health check :%d closed", port)
			_ = s.server.Close()
			delete(p.health, port)
		}
	}
	ports := make([]int, 0, len(want))
	for port := range want {
		ports = append(ports, port)
	}
	sort.Ints(ports)
	for _, port := range ports {
		hc := want[port]
		if s, ok := p.health[port]; ok {
			s.check.Store(hc)
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(listenHost, strconv.Itoa(port)))
		if err != nil {
			logger.Printf("%s/%s: cannot listen on health-check port %d: %v", hc.Namespace, hc.Name, port, err)
			continue
		}
		s := &healthServer{}
		s.check.Store(hc)
		s.server = &http.Server{Handler: healthHandler(func() HealthCheck { return s.check.Load().(HealthCheck) })}
		p.health[port] = s
		go func() {
			if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Printf("health check :%d: %v", port, err)
			}
		}()
		logger.Printf("%s/%s: health check on :%d, %d local endpoint(s)", hc.Namespace, hc.Name, port, hc.LocalEndpoints)
	}
}
