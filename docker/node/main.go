// netlab-proxy: kube-proxy's userspace proxier (the mode the seed describes, removed
// from Kubernetes in 1.26), as a small program of netlab's own. No dependencies
// outside the standard library.
//
// For every service port in its config it listens on 0.0.0.0:<proxyPort> and copies
// bytes between each client and one endpoint, chosen round robin (or by the
// client's IP when the service has session affinity), trying the next endpoint when
// a connection to one fails, as the old proxier did. netlab writes the nat rules
// (KUBE-PORTALS-CONTAINER / KUBE-PORTALS-HOST / KUBE-NODEPORT-*) that REDIRECT a
// cluster IP:port to the proxy port; this program never touches netfilter.
//
//	netlab-proxy [--config /etc/netlab/proxy.json] [--log /var/log/netlab-proxy.log|-]
//	             [--pid-file /run/netlab-proxy.pid]
//	netlab-proxy --reload     send SIGHUP to the running proxy (from --pid-file)
//	netlab-proxy --reload-or-start [--config ...]
//	                          the running proxy re-reads its config (SIGHUP); when none
//	                          runs, one is started in the background (its own session,
//	                          no output) and this returns once it listens
//
// Config (JSON): {"services": [{"serviceport": "ns/svc:port", "protocol": "TCP"|"UDP",
// "clusterIP": "10.96.0.10", "port": 80, "proxyPort": 10400,
// "endpoints": ["10.0.1.2:8080", ...], "affinitySeconds": 10800}],
// "healthChecks": [{"namespace": "default", "name": "web", "port": 30601, "localEndpoints": 2}]}
// (health.go: kube-proxy's health-check server for externalTrafficPolicy Local).
//
// SIGHUP re-reads the config: listeners whose protocol and proxy port remain keep
// running (and their open connections), with the new endpoints; others are closed
// or opened. SIGTERM / SIGINT close every listener and exit 0.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Like the userspace proxier's EndpointDialTimeouts: each failed dial moves on to
// the next endpoint with a longer timeout.
var endpointDialTimeouts = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}

// udpIdleTimeout is kube-proxy's --udp-timeout default for the userspace mode.
const udpIdleTimeout = 250 * time.Millisecond

var logger = log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)

// listenHost is the address every proxy port is bound on (the tests use 127.0.0.1).
var listenHost = "0.0.0.0"

// ServicePort is one entry of the config.
type ServicePort struct {
	ServicePort     string   `json:"serviceport"`
	Protocol        string   `json:"protocol"`
	ClusterIP       string   `json:"clusterIP"`
	Port            int      `json:"port"`
	ProxyPort       int      `json:"proxyPort"`
	Endpoints       []string `json:"endpoints"`
	AffinitySeconds int      `json:"affinitySeconds,omitempty"`
}

type config struct {
	Services []ServicePort `json:"services"`
}

func readConfig(path string) ([]ServicePort, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg config
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "[") {
		err = json.Unmarshal(data, &cfg.Services)
	} else {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	seen := map[string]string{}
	for i := range cfg.Services {
		sp := &cfg.Services[i]
		sp.Protocol = strings.ToUpper(sp.Protocol)
		if sp.Protocol == "" {
			sp.Protocol = "TCP"
		}
		if sp.Protocol != "TCP" && sp.Protocol != "UDP" {
			return nil, fmt.Errorf("%s: %s: protocol %q is not TCP or UDP", path, sp.ServicePort, sp.Protocol)
		}
		if sp.ProxyPort <= 0 || sp.ProxyPort > 65535 {
			return nil, fmt.Errorf("%s: %s: proxyPort %d is not a port", path, sp.ServicePort, sp.ProxyPort)
		}
		for _, ep := range sp.Endpoints {
			if _, _, err := net.SplitHostPort(ep); err != nil {
				return nil, fmt.Errorf("%s: %s: endpoint %q is not ip:port", path, sp.ServicePort, ep)
			}
		}
		k := key(sp)
		if other, dup := seen[k]; dup {
			return nil, fmt.Errorf("%s: %s and %s both use %s", path, other, sp.ServicePort, k)
		}
		seen[k] = sp.ServicePort
	}
	return cfg.Services, nil
}

func key(sp *ServicePort) string { return sp.Protocol + "/" + strconv.Itoa(sp.ProxyPort) }

// balancer is the userspace proxier's round-robin load balancer with ClientIP
// session affinity, for one service port.
type balancer struct {
	mu       sync.Mutex
	info     ServicePort
	index    int
	affinity map[string]*affinityState
}

type affinityState struct {
	endpoint string
	lastUsed time.Time
}

func newBalancer(info ServicePort) *balancer {
	return &balancer{info: info, affinity: map[string]*affinityState{}}
}

func (b *balancer) current() ServicePort {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.info
}

// update installs a new config entry; when the endpoints changed the rotation
// restarts and affinity to endpoints that are gone is forgotten.
func (b *balancer) update(info ServicePort) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !equalStrings(b.info.Endpoints, info.Endpoints) {
		b.index = 0
		keep := map[string]bool{}
		for _, ep := range info.Endpoints {
			keep[ep] = true
		}
		for client, st := range b.affinity {
			if !keep[st.endpoint] {
				delete(b.affinity, client)
			}
		}
	}
	if info.AffinitySeconds <= 0 {
		b.affinity = map[string]*affinityState{}
	}
	b.info = info
}

// next picks the endpoint for a client: its affinity endpoint while that is fresh
// (unless reset after a failed dial), else the next one round robin.
func (b *balancer) next(clientIP string, reset bool) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	eps := b.info.Endpoints
	if len(eps) == 0 {
		return "", errors.New("no endpoints")
	}
	ttl := time.Duration(b.info.AffinitySeconds) * time.Second
	now := time.Now()
	if ttl > 0 && !reset {
		if st, ok := b.affinity[clientIP]; ok && now.Sub(st.lastUsed) < ttl && contains(eps, st.endpoint) {
			st.lastUsed = now
			return st.endpoint, nil
		}
	}
	ep := eps[b.index%len(eps)]
	b.index = (b.index + 1) % len(eps)
	if ttl > 0 {
		b.affinity[clientIP] = &affinityState{endpoint: ep, lastUsed: now}
	}
	return ep, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// listener is one open proxy port.
type listener struct {
	lb      *balancer
	tcp     net.Listener
	udp     *net.UDPConn
	closed  atomic.Bool
	clients sync.Map // UDP: client address -> *udpClient
}

func open(info ServicePort) (*listener, error) {
	l := &listener{lb: newBalancer(info)}
	addr := net.JoinHostPort(listenHost, strconv.Itoa(info.ProxyPort))
	var err error
	if info.Protocol == "UDP" {
		var ua *net.UDPAddr
		if ua, err = net.ResolveUDPAddr("udp4", addr); err == nil {
			l.udp, err = net.ListenUDP("udp4", ua)
		}
	} else {
		l.tcp, err = net.Listen("tcp4", addr)
	}
	if err != nil {
		return nil, err
	}
	if l.udp != nil {
		go l.serveUDP()
	} else {
		go l.serveTCP()
	}
	return l, nil
}

func (l *listener) close() {
	l.closed.Store(true)
	if l.tcp != nil {
		_ = l.tcp.Close()
	}
	if l.udp != nil {
		_ = l.udp.Close()
		l.clients.Range(func(k, v any) bool {
			_ = v.(*udpClient).conn.Close()
			return true
		})
	}
}

func (l *listener) serveTCP() {
	for {
		conn, err := l.tcp.Accept()
		if err != nil {
			if l.closed.Load() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			logger.Printf("accept on %s failed: %v", l.tcp.Addr(), err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go l.proxyTCP(conn)
	}
}

func hostOf(addr net.Addr) string {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	return host
}

// dialEndpoint tries endpoints in turn, like the userspace proxier's
// TryConnectEndpoints: a failed dial resets affinity and moves to the next one.
func (l *listener) dialEndpoint(network, clientIP string) (net.Conn, string, error) {
	reset := false
	var lastErr error
	for _, timeout := range endpointDialTimeouts {
		ep, err := l.lb.next(clientIP, reset)
		if err != nil {
			return nil, "", err
		}
		conn, err := net.DialTimeout(network, ep, timeout)
		if err == nil {
			return conn, ep, nil
		}
		name := l.lb.current().ServicePort
		logger.Printf("%s dial %s failed: %v", name, ep, err)
		lastErr = err
		reset = true
	}
	return nil, "", lastErr
}

func (l *listener) proxyTCP(in net.Conn) {
	info := l.lb.current()
	client := in.RemoteAddr().String()
	out, ep, err := l.dialEndpoint("tcp4", hostOf(in.RemoteAddr()))
	if err != nil {
		logger.Printf("%s %s -> (none): %v", info.ServicePort, client, err)
		_ = in.Close()
		return
	}
	logger.Printf("%s %s -> %s", info.ServicePort, client, ep)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Pass the half-close on, so request/response protocols finish cleanly.
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		} else {
			_ = dst.Close()
		}
		done <- struct{}{}
	}
	go pipe(out, in)
	go pipe(in, out)
	<-done
	<-done
	_ = in.Close()
	_ = out.Close()
}

// udpClient is the backend socket for one client address, as the userspace
// proxier's activeClients.
type udpClient struct {
	conn net.Conn
}

func (l *listener) serveUDP() {
	buf := make([]byte, 65535)
	for {
		n, cliAddr, err := l.udp.ReadFromUDP(buf)
		if err != nil {
			if l.closed.Load() {
				return
			}
			logger.Printf("read on %s failed: %v", l.udp.LocalAddr(), err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		c, err := l.udpBackend(cliAddr)
		if err != nil {
			continue
		}
		if _, err := c.conn.Write(buf[:n]); err != nil {
			logger.Printf("%s %s: write to backend failed: %v", l.lb.current().ServicePort, cliAddr, err)
			_ = c.conn.Close()
			l.clients.Delete(cliAddr.String())
			continue
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(udpIdleTimeout))
	}
}

func (l *listener) udpBackend(cliAddr *net.UDPAddr) (*udpClient, error) {
	if v, ok := l.clients.Load(cliAddr.String()); ok {
		return v.(*udpClient), nil
	}
	info := l.lb.current()
	conn, ep, err := l.dialEndpoint("udp4", cliAddr.IP.String())
	if err != nil {
		logger.Printf("%s %s -> (none): %v", info.ServicePort, cliAddr, err)
		return nil, err
	}
	logger.Printf("%s %s -> %s (udp)", info.ServicePort, cliAddr, ep)
	c := &udpClient{conn: conn}
	l.clients.Store(cliAddr.String(), c)
	_ = conn.SetReadDeadline(time.Now().Add(udpIdleTimeout))
	go func() {
		defer func() {
			_ = conn.Close()
			l.clients.Delete(cliAddr.String())
		}()
		buf := make([]byte, 65535)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			if _, err := l.udp.WriteToUDP(buf[:n], cliAddr); err != nil {
				return
			}
			_ = conn.SetReadDeadline(time.Now().Add(udpIdleTimeout))
		}
	}()
	return c, nil
}

// proxy holds every open listener, keyed by protocol/proxyPort.
type proxy struct {
	listeners map[string]*listener
	// health-check servers by port (health.go)
	health map[int]*healthServer
}

// sync makes the open listeners match the config.
func (p *proxy) sync(services []ServicePort) {
	want := map[string]ServicePort{}
	for _, sp := range services {
		want[key(&sp)] = sp
	}
	for k, l := range p.listeners {
		if _, ok := want[k]; !ok {
			logger.Printf("%s: closing %s", l.lb.current().ServicePort, k)
			l.close()
			delete(p.listeners, k)
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sp := want[k]
		if l, ok := p.listeners[k]; ok {
			l.lb.update(sp)
			continue
		}
		l, err := open(sp)
		if err != nil {
			logger.Printf("%s: cannot listen on %s: %v", sp.ServicePort, k, err)
			continue
		}
		p.listeners[k] = l
		logger.Printf("%s: listening on %s:%d/%s for %s:%d, endpoints %s", sp.ServicePort, listenHost, sp.ProxyPort,
			strings.ToLower(sp.Protocol), sp.ClusterIP, sp.Port, strings.Join(sp.Endpoints, ","))
	}
}

// reload re-reads the config (on SIGHUP); when it cannot be read the running
// listeners are left as they are.
func (p *proxy) reload(configPath string) error {
	services, err := readConfig(configPath)
	if err != nil {
		logger.Printf("reload failed, keeping the running config: %v", err)
		return err
	}
	checks, err := readHealthChecks(configPath)
	if err != nil {
		logger.Printf("reload failed, keeping the running config: %v", err)
		return err
	}
	logger.Printf("reloading: %d service ports, %d health checks", len(services), len(checks))
	p.sync(services)
	p.syncHealth(checks)
	return nil
}

// serve handles the signals: SIGHUP reloads the config, any other closes every
// listener, removes the pid file and returns the exit status (0).
func (p *proxy) serve(configPath, pidFile string, signals <-chan os.Signal) int {
	for sig := range signals {
		if sig == syscall.SIGHUP {
			_ = p.reload(configPath)
			continue
		}
		logger.Printf("%v: closing %d listeners and exiting", sig, len(p.listeners))
		p.closeAll()
		if pidFile != "" {
			_ = os.Remove(pidFile)
		}
		return 0
	}
	return 0
}

func (p *proxy) closeAll() {
	for k, l := range p.listeners {
		l.close()
		delete(p.listeners, k)
	}
	p.syncHealth(nil)
}

func main() {
	configPath := flag.String("config", "/etc/netlab/proxy.json", "JSON config: the service ports to proxy")
	logPath := flag.String("log", "/var/log/netlab-proxy.log", "log file, or - for stderr")
	pidFile := flag.String("pid-file", "/run/netlab-proxy.pid", "where to write the process id ('' for none)")
	reload := flag.Bool("reload", false, "send SIGHUP to the running proxy (its pid from --pid-file) and exit")
	reloadOrStart := flag.Bool("reload-or-start", false, "send SIGHUP to the running proxy, or start one in the background when none runs, and exit")
	flag.Parse()

	if *reload {
		os.Exit(signalRunning(*pidFile, syscall.SIGHUP))
	}
	if *reloadOrStart {
		os.Exit(reloadOrStartProxy(*configPath, *logPath, *pidFile, startTimeout))
	}
	if *logPath != "-" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "netlab-proxy: %v\n", err)
			os.Exit(1)
		}
		logger.SetOutput(f)
	}
	services, err := readConfig(*configPath)
	if err != nil {
		logger.Printf("cannot read the config: %v", err)
		fmt.Fprintf(os.Stderr, "netlab-proxy: %v\n", err)
		os.Exit(1)
	}
	checks, err := readHealthChecks(*configPath)
	if err != nil {
		logger.Printf("cannot read the config: %v", err)
		fmt.Fprintf(os.Stderr, "netlab-proxy: %v\n", err)
		os.Exit(1)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)

	p := &proxy{listeners: map[string]*listener{}, health: map[int]*healthServer{}}
	logger.Printf("netlab-proxy %d starting: %d service ports and %d health checks from %s", os.Getpid(), len(services), len(checks), *configPath)
	p.sync(services)
	p.syncHealth(checks)
	// Written once it listens (and handles SIGHUP): --reload-or-start waits for it.
	if *pidFile != "" {
		if err := os.WriteFile(*pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			logger.Printf("cannot write %s: %v", *pidFile, err)
		}
	}
	os.Exit(p.serve(*configPath, *pidFile, signals))
}

// startTimeout bounds how long --reload-or-start waits for the proxy it started.
const startTimeout = 5 * time.Second

// runningProxy is the pid in pidFile when that process runs this same program (after a
// node restart the file may name a process that is something else now).
func runningProxy(pidFile string) (int, bool) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	self, err := os.Executable()
	if err != nil {
		return 0, false
	}
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil || filepath.Clean(exe) != filepath.Clean(self) {
		return 0, false
	}
	return pid, true
}

// reloadOrStartProxy: SIGHUP to the running proxy; when none runs, the config is checked
// (so that a bad one is reported here, not only in the log), a proxy is started detached
// from this process (its own session, no inherited output, which would hold the caller's
// exec open), and this returns 0 once it wrote its pid file, i.e. listens.
func reloadOrStartProxy(configPath, logPath, pidFile string, timeout time.Duration) int {
	if pid, ok := runningProxy(pidFile); ok && syscall.Kill(pid, syscall.SIGHUP) == nil {
		return 0
	}
	if pidFile == "" {
		fmt.Fprintln(os.Stderr, "netlab-proxy: --reload-or-start needs a --pid-file")
		return 1
	}
	if _, err := readConfig(configPath); err != nil {
		fmt.Fprintf(os.Stderr, "netlab-proxy: %v\n", err)
		return 1
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "netlab-proxy: %v\n", err)
		return 1
	}
	_ = os.Remove(pidFile)
	cmd := exec.Command(self, "--config", configPath, "--log", logPath, "--pid-file", pidFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// nil: /dev/null for stdin, stdout and stderr.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "netlab-proxy: %v\n", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if pid, ok := runningProxy(pidFile); ok && pid == cmd.Process.Pid {
			return 0
		}
		select {
		case err := <-exited:
			fmt.Fprintf(os.Stderr, "netlab-proxy: the proxy stopped as it started (%v); see %s\n", err, logPath)
			return 1
		case <-deadline:
			fmt.Fprintf(os.Stderr, "netlab-proxy: the proxy did not start within %v; see %s\n", timeout, logPath)
			return 1
		case <-tick.C:
		}
	}
}

func signalRunning(pidFile string, sig syscall.Signal) int {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netlab-proxy: no running proxy: %v\n", err)
		return 1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		fmt.Fprintf(os.Stderr, "netlab-proxy: %s holds no process id\n", pidFile)
		return 1
	}
	if err := syscall.Kill(pid, sig); err != nil {
		fmt.Fprintf(os.Stderr, "netlab-proxy: signal %d: %v\n", pid, err)
		return 1
	}
	return 0
}
