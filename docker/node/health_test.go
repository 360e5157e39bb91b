package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func healthGet(t *testing.T, port int) (*http.Response, string) {
	t.Helper()
	var lastErr error
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/healthz")
		if err != nil {
			lastErr = err
			continue
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	t.Fatalf("GET :%d/healthz: %v", port, lastErr)
	return nil, ""
}

func TestHealthCheckAnswersAsKubeProxy(t *testing.T) {
	old := listenHost
	listenHost = "127.0.0.1"
	defer func() { listenHost = old }()
	p := &proxy{listeners: map[string]*listener{}, health: map[int]*healthServer{}}
	defer p.closeAll()
	withPods, without := freePort(t, "tcp"), freePort(t, "tcp")
	p.syncHealth([]HealthCheck{
		{Namespace: "default", Name: "web", Port: withPods, LocalEndpoints: 2},
		{Namespace: "team-a", Name: "api", Port: without, LocalEndpoints: 0},
	})

	resp, body := healthGet(t, withPods)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Load-Balancing-Endpoint-Weight") != "2" {
		t.Fatalf("with local endpoints: %d %v", resp.StatusCode, resp.Header)
	}
	want := "{\n\t\"service\": {\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"web\"\n\t},\n\t\"localEndpoints\": 2,\n\t\"serviceProxyHealthy\": true\n}"
	if body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
	resp, body = healthGet(t, without)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"localEndpoints": 0`) {
		t.Fatalf("without local endpoints: %d %q", resp.StatusCode, body)
	}

	// A sync changes the count in place and closes the ports no longer listed.
	p.syncHealth([]HealthCheck{{Namespace: "default", Name: "web", Port: withPods, LocalEndpoints: 0}})
	if resp, _ := healthGet(t, withPods); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after the pods left: %d", resp.StatusCode)
	}
	if _, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(without), 200*time.Millisecond); err == nil {
		t.Fatalf("port %d still open after its health check went away", without)
	}
}

func TestReadHealthChecks(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		path := filepath.Join(dir, "c.json")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	checks, err := readHealthChecks(write(`{"services": [], "healthChecks": [{"namespace": "default", "name": "web", "port": 30601, "localEndpoints": 1}]}`))
	if err != nil || len(checks) != 1 || checks[0].Port != 30601 || checks[0].LocalEndpoints != 1 {
		t.Fatalf("%v %v", checks, err)
	}
	if checks, err := readHealthChecks(write(`[]`)); err != nil || len(checks) != 0 {
		t.Fatalf("a bare list: %v %v", checks, err)
	}
	if _, err := readHealthChecks(write(`{"healthChecks": [{"port": 0}]}`)); err == nil || !strings.Contains(err.Error(), "is not a port") {
		t.Fatalf("port 0: %v", err)
	}
	if _, err := readHealthChecks(write(`{"healthChecks": [{"port": 30601}, {"port": 30601}]}`)); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Fatalf("twice: %v", err)
	}
}
