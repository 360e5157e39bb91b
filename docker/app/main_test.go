package main

// Tests of netlab-app on the loopback interface only: the servers listen on
// 127.0.0.1:0 and every network wait has a deadline. serveHTTP and serveUDP exit
// the process when their socket fails, so the tests leave those sockets open.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const ioTimeout = 3 * time.Second

// logBuffer collects what the servers log (they log from their own goroutines).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var logged = &logBuffer{}

func TestMain(m *testing.M) {
	logger.SetOutput(logged)
	os.Exit(m.Run())
}

// waitForLog waits until the log has a line matching re.
func waitForLog(t *testing.T, re *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !re.MatchString(logged.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line matching %s in:\n%s", re, logged.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func setPodEnv(t *testing.T) {
	t.Setenv("POD_NAME", "web-7d4b9-x2x4q")
	t.Setenv("POD_NAMESPACE", "shop")
	t.Setenv("NODE_NAME", "worker-2")
}

// --- flags -----------------------------------------------------------------

func TestParsePort(t *testing.T) {
	good := map[string]int{"1": 1, "80": 80, " 8080 ": 8080, "65535": 65535}
	for in, want := range good {
		if got, err := parsePort(in); err != nil || got != want {
			t.Errorf("parsePort(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "65536", "-1", "http", "80x", "8.0"} {
		if got, err := parsePort(in); err == nil {
			t.Errorf("parsePort(%q) = %d, want an error", in, got)
		} else if !strings.Contains(err.Error(), "is not a port number (1-65535)") {
			t.Errorf("parsePort(%q): unexpected message %q", in, err)
		}
	}
}

func parse(args ...string) (portList, portList, error) {
	fs := flag.NewFlagSet("netlab-app", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parseArgs(fs, args)
}

func TestParseArgsRepeatedFlags(t *testing.T) {
	t.Setenv("PORT", "9999")
	httpPorts, udpPorts, err := parse("--http", "80", "-http=8081", "--udp", "53", "--udp=5353")
	if err != nil {
		t.Fatal(err)
	}
	// --http given: $PORT is not used.
	if httpPorts.String() != "80,8081" || udpPorts.String() != "53,5353" {
		t.Fatalf("got http %q udp %q, want http 80,8081 udp 53,5353", httpPorts.String(), udpPorts.String())
	}
}

func TestParseArgsDefaultPort(t *testing.T) {
	t.Setenv("PORT", "")
	httpPorts, udpPorts, err := parse()
	if err != nil || httpPorts.String() != "8080" || len(udpPorts) != 0 {
		t.Fatalf("no flags, no $PORT: got http %q udp %q, %v; want http 8080 only", httpPorts.String(), udpPorts.String(), err)
	}
	t.Setenv("PORT", "3000")
	httpPorts, _, err = parse("--udp", "53")
	if err != nil || httpPorts.String() != "3000" {
		t.Fatalf("$PORT=3000: got http %q, %v; want 3000", httpPorts.String(), err)
	}
}

func TestParseArgsErrors(t *testing.T) {
	cases := []struct {
		name, port string
		args       []string
		want       string
	}{
		{"bad $PORT", "eighty", nil, `PORT: "eighty" is not a port number`},
		{"$PORT out of range", "70000", nil, `PORT: "70000" is not a port number`},
		{"bad --http", "", []string{"--http", "0"}, `"0" is not a port number`},
		{"bad --udp", "", []string{"--udp", "dns"}, `"dns" is not a port number`},
		{"unknown flag", "", []string{"--verbose"}, "unknown flag --verbose: netlab-app takes only --http PORT and --udp PORT"},
		{"--port, as other servers take it", "", []string{"--port", "8080"}, `unknown flag --port: netlab-app serves HTTP with --http PORT and UDP with --udp PORT (each may be repeated), e.g. args: ["--http", "8080"]`},
		{"-p", "", []string{"-p", "80"}, "unknown flag -p: netlab-app serves HTTP with --http PORT"},
		{"--tcp", "", []string{"--tcp=80"}, "unknown flag --tcp: netlab-app serves HTTP with --http PORT"},
		{"argument", "", []string{"--http", "80", "serve"}, `unexpected argument "serve"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PORT", tc.port)
			httpPorts, udpPorts, err := parse(tc.args...)
			if err == nil {
				t.Fatalf("no error; got http %v udp %v", httpPorts, udpPorts)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	// A bad $PORT does not matter when --http is given.
	t.Setenv("PORT", "eighty")
	if httpPorts, _, err := parse("--http", "81"); err != nil || httpPorts.String() != "81" {
		t.Fatalf("got %v, %v; want 81", httpPorts, err)
	}
}

// --- pod identity ----------------------------------------------------------

func TestPodName(t *testing.T) {
	t.Setenv("POD_NAME", "hello-abc")
	if got := podName(); got != "hello-abc" {
		t.Fatalf("got %q, want $POD_NAME", got)
	}
	t.Setenv("POD_NAME", "")
	host, err := os.Hostname()
	if err != nil {
		t.Skip("no hostname:", err)
	}
	if got := podName(); got != host {
		t.Fatalf("got %q, want the hostname %q", got, host)
	}
}

func TestPodIP(t *testing.T) {
	got := podIP()
	if got == "unknown" {
		t.Log("no non-loopback IPv4 address on this machine")
		return
	}
	ip := net.ParseIP(got)
	if ip == nil || ip.To4() == nil || ip.IsLoopback() || strings.Contains(got, ":") {
		t.Fatalf("podIP() = %q, want a non-loopback IPv4 address or unknown", got)
	}
	// It is an address of one of this machine's interfaces.
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipnet, ok := a.(*net.IPNet); ok && ipnet.IP.Equal(ip) {
			return
		}
	}
	t.Fatalf("podIP() = %q is not on any interface (%v)", got, addrs)
}

// helloPattern matches hello(port) for the pod of setPodEnv.
func helloPattern(port int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`^Hello from web-7d4b9-x2x4q \((unknown|\d+\.\d+\.\d+\.\d+):%d\)\n$`, port))
}

func TestHello(t *testing.T) {
	setPodEnv(t)
	got := hello(4242)
	if !helloPattern(4242).MatchString(got) {
		t.Fatalf("hello(4242) = %q", got)
	}
	if !strings.Contains(got, "("+podIP()+":4242)") {
		t.Fatalf("hello(4242) = %q does not carry podIP() %q", got, podIP())
	}
}

// --- HTTP ------------------------------------------------------------------

// startHTTP serves netlab-app's HTTP server on 127.0.0.1 as if on port `port`.
func startHTTP(t *testing.T, port int) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serveHTTP(ln, port)
	return ln.Addr().String()
}

// get does one HTTP request on a connection of its own and returns the response,
// its body and the client's address on that connection.
func get(t *testing.T, addr, method, path string) (*http.Response, string, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(ioTimeout))
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Close = true
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp, string(body), conn.LocalAddr().String()
}

func TestHTTPHello(t *testing.T) {
	setPodEnv(t)
	addr := startHTTP(t, 4242)
	resp, body, client := get(t, addr, "GET", "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	// The port in the answer is the one the server was told, not the socket's; the client is
	// the peer of this very connection (what a Local traffic policy keeps and a masquerade hides).
	want := regexp.MustCompile(fmt.Sprintf(`^Hello from web-7d4b9-x2x4q \((unknown|\d+\.\d+\.\d+\.\d+):4242\), client %s\n$`, regexp.QuoteMeta(client)))
	if !want.MatchString(body) {
		t.Fatalf("GET /: body %q, want the hello line with client %s", body, client)
	}
	waitForLog(t, regexp.MustCompile(`(?m) http :4242 `+regexp.QuoteMeta(client)+` GET / -> 200$`))
}

func TestHTTPJSON(t *testing.T) {
	setPodEnv(t)
	addr := startHTTP(t, 8080)
	resp, body, client := get(t, addr, "GET", "/json")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /json: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasSuffix(body, "}\n") {
		t.Errorf("GET /json: body %q does not end with a newline", body)
	}
	var info map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("GET /json: %v in %q", err, body)
	}
	want := map[string]any{
		"pod": "web-7d4b9-x2x4q", "namespace": "shop", "node": "worker-2",
		"ip": podIP(), "port": float64(8080), "client": client,
	}
	if len(info) != len(want) {
		t.Errorf("GET /json: fields %v, want exactly %v", info, want)
	}
	for k, v := range want {
		if info[k] != v {
			t.Errorf("GET /json: %s = %v, want %v", k, info[k], v)
		}
	}
}

func TestHTTPHealthzAndNotFound(t *testing.T) {
	setPodEnv(t)
	addr := startHTTP(t, 4343)
	resp, body, _ := get(t, addr, "GET", "/healthz")
	if resp.StatusCode != http.StatusOK || body != "ok\n" {
		t.Fatalf("GET /healthz: %d %q", resp.StatusCode, body)
	}
	for _, path := range []string{"/missing", "/json/extra", "/healthz/x"} {
		resp, body, client := get(t, addr, "GET", path)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Hello") {
			t.Fatalf("GET %s: %d %q, want 404", path, resp.StatusCode, body)
		}
		// The access log records the status the handler really wrote.
		waitForLog(t, regexp.MustCompile(`(?m) http :4343 `+regexp.QuoteMeta(client)+` GET `+regexp.QuoteMeta(path)+` -> 404$`))
	}
	// Any method gets the hello line; the log names the method.
	resp, body, client := get(t, addr, "POST", "/?x=1")
	if resp.StatusCode != http.StatusOK || body != httpHello(4343, client) {
		t.Fatalf("POST /: %d %q", resp.StatusCode, body)
	}
	waitForLog(t, regexp.MustCompile(`(?m) http :4343 `+regexp.QuoteMeta(client)+` POST /\?x=1 -> 200$`))
}

func TestHTTPReadyzFollowsTheReadyFile(t *testing.T) {
	setPodEnv(t)
	file := filepath.Join(t.TempDir(), "ready")
	readyFile = file
	t.Cleanup(func() { readyFile = "" })
	addr := startHTTP(t, 4444)
	resp, body, _ := get(t, addr, "GET", "/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || body != "not ready: "+file+" does not exist\n" {
		t.Fatalf("GET /readyz without %s: %d %q, want 503", file, resp.StatusCode, body)
	}
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	resp, body, _ = get(t, addr, "GET", "/readyz")
	if resp.StatusCode != http.StatusOK || body != "ready\n" {
		t.Fatalf("GET /readyz with %s: %d %q, want 200 ready", file, resp.StatusCode, body)
	}
	// Without the flag it is always ready.
	readyFile = ""
	if resp, _, _ = get(t, addr, "GET", "/readyz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz without --ready-file: %d, want 200", resp.StatusCode)
	}
}

func TestParseArgsReadyFile(t *testing.T) {
	t.Cleanup(func() { readyFile = "" })
	if _, _, err := parse("--ready-file", "/tmp/ready"); err != nil || readyFile != "/tmp/ready" {
		t.Fatalf("--ready-file /tmp/ready: readyFile %q, %v", readyFile, err)
	}
}

// --- UDP -------------------------------------------------------------------

func TestUDPHello(t *testing.T) {
	setPodEnv(t)
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go serveUDP(conn, 5353)
	server := conn.LocalAddr().(*net.UDPAddr)

	// Two clients: each gets its own answer, whatever it sent.
	for i, payload := range []string{"hello", ""} {
		client, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		_ = client.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := client.WriteToUDP([]byte(payload), server); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1024)
		n, from, err := client.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("client %d: no answer", i)
			}
			t.Fatal(err)
		}
		if from.String() != server.String() {
			t.Errorf("client %d: answer from %s, want %s", i, from, server)
		}
		if got := string(buf[:n]); !helloPattern(5353).MatchString(got) {
			t.Fatalf("client %d: got %q", i, got)
		}
		waitForLog(t, regexp.MustCompile(fmt.Sprintf(`(?m) udp :5353 %s %d bytes -> answered$`,
			regexp.QuoteMeta(client.LocalAddr().String()), len(payload))))
	}
}
