// netlab-app: the small HTTP (and UDP) server netlab's labs run as pods, in the
// spirit of the seed's hello-world Deployment: every answer says which pod
// answered, on which IP and port, so a student can see load spreading and NAT.
//
//	GET /         Hello from <pod> (<pod ip>:<port>), client <peer ip>:<peer port>
//	GET /json     {"pod","namespace","node","ip","port","client"}
//	GET /healthz  ok
//	GET /readyz   ready (200), or 503 while the --ready-file does not exist
//
// Flags: --http PORT (repeatable; default $PORT, else 8080), --udp PORT
// (repeatable; answers each datagram with the hello line), --ready-file PATH
// (GET /readyz answers 503 until PATH exists: a readiness probe a student turns
// with `netlab exec <lab> <pod> -- touch PATH`).
// No dependencies outside the standard library.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var logger = log.New(os.Stdout, "", 0)

// readyFile: while set and missing, GET /readyz answers 503.
var readyFile string

type portList []int

func (p *portList) String() string {
	parts := make([]string, 0, len(*p))
	for _, n := range *p {
		parts = append(parts, strconv.Itoa(n))
	}
	return strings.Join(parts, ",")
}

func (p *portList) Set(value string) error {
	n, err := parsePort(value)
	if err != nil {
		return err
	}
	*p = append(*p, n)
	return nil
}

func parsePort(value string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", value)
	}
	return n, nil
}

// podName is the pod's name: $POD_NAME as netlab sets it, else the hostname.
func podName() string {
	if name := os.Getenv("POD_NAME"); name != "" {
		return name
	}
	host, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return host
}

// podIP is the first IPv4 address on a non-loopback interface. It is looked up
// per answer: in a pod the address arrives when CNI ADD runs, which may be
// after this process started.
func podIP() string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return "unknown"
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagLoopback != 0 || iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, addr := range addrs {
			if ipnet, ok := addr.(*net.IPNet); ok {
				if ip4 := ipnet.IP.To4(); ip4 != nil && !ip4.IsLoopback() {
					return ip4.String()
				}
			}
		}
	}
	return "unknown"
}

func hello(port int) string {
	return fmt.Sprintf("Hello from %s (%s:%d)\n", podName(), podIP(), port)
}

// httpHello is hello with the peer as this server sees it: the client's own address when
// nothing on the way rewrote it, a node's when a hop masqueraded the connection.
func httpHello(port int, remoteAddr string) string {
	return fmt.Sprintf("Hello from %s (%s:%d), client %s\n", podName(), podIP(), port, remoteAddr)
}

// podInfo is the answer of GET /json. Client is the peer as this server sees
// it: behind a masquerading hop it is the node's address, not the caller's.
type podInfo struct {
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
	Node      string `json:"node"`
	IP        string `json:"ip"`
	Port      int    `json:"port"`
	Client    string `json:"client"`
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func httpHandler(port int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, httpHello(port, r.RemoteAddr))
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, _ := json.Marshal(podInfo{
			Pod:       podName(),
			Namespace: os.Getenv("POD_NAMESPACE"),
			Node:      os.Getenv("NODE_NAME"),
			IP:        podIP(),
			Port:      port,
			Client:    r.RemoteAddr,
		})
		w.Write(append(body, '\n'))
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if readyFile != "" {
			if _, err := os.Stat(readyFile); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintf(w, "not ready: %s does not exist\n", readyFile)
				return
			}
		}
		fmt.Fprint(w, "ready\n")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		logger.Printf("%s http :%d %s %s %s -> %d", time.Now().UTC().Format(time.RFC3339), port, r.RemoteAddr, r.Method, r.URL.RequestURI(), rec.status)
	})
}

func serveHTTP(ln net.Listener, port int) {
	server := &http.Server{Handler: httpHandler(port), ReadHeaderTimeout: 10 * time.Second}
	if err := server.Serve(ln); err != nil {
		logger.Printf("http :%d stopped: %v", port, err)
		os.Exit(1)
	}
}

func serveUDP(conn net.PacketConn, port int) {
	buf := make([]byte, 64*1024)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			logger.Printf("udp :%d stopped: %v", port, err)
			os.Exit(1)
		}
		_, err = conn.WriteTo([]byte(hello(port)), from)
		result := "answered"
		if err != nil {
			result = "reply failed: " + err.Error()
		}
		logger.Printf("%s udp :%d %s %d bytes -> %s", time.Now().UTC().Format(time.RFC3339), port, from, n, result)
	}
}

// portFlags are flags other servers take for a port, that people write for this one.
var portFlags = map[string]bool{"port": true, "p": true, "listen": true, "l": true, "tcp": true, "http-port": true, "bind": true, "addr": true}

// unknownFlag says what to write instead of a flag netlab-app does not take.
func unknownFlag(err error) error {
	const prefix = "flag provided but not defined: -"
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return err
	}
	name := strings.TrimPrefix(msg, prefix)
	flagName := "--" + name
	if len(name) == 1 {
		flagName = "-" + name
	}
	if portFlags[strings.ToLower(name)] {
		return fmt.Errorf("unknown flag %s: netlab-app serves HTTP with --http PORT and UDP with --udp PORT (each may be repeated), e.g. args: [\"--http\", \"8080\"]", flagName)
	}
	return fmt.Errorf("unknown flag %s: netlab-app takes only --http PORT and --udp PORT (each may be repeated)", flagName)
}

// parseArgs defines the flags on fs, parses args (without the program name) and
// returns the ports to serve: the HTTP ports default to $PORT, else 8080.
func parseArgs(fs *flag.FlagSet, args []string) (httpPorts, udpPorts portList, err error) {
	fs.Var(&httpPorts, "http", "serve HTTP on this port (repeatable; default $PORT, else 8080)")
	fs.Var(&udpPorts, "udp", "answer UDP datagrams on this port (repeatable)")
	fs.StringVar(&readyFile, "ready-file", "", "GET /readyz answers 503 until this file exists")
	if err := fs.Parse(args); err != nil {
		return nil, nil, unknownFlag(err)
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if len(httpPorts) == 0 {
		port := 8080
		if env := os.Getenv("PORT"); env != "" {
			n, err := parsePort(env)
			if err != nil {
				return nil, nil, fmt.Errorf("PORT: %v", err)
			}
			port = n
		}
		httpPorts = portList{port}
	}
	return httpPorts, udpPorts, nil
}

func main() {
	fs := flag.NewFlagSet("netlab-app", flag.ContinueOnError)
	// The error is said once, below, with what to write instead; then the flags there are.
	fs.SetOutput(io.Discard)
	httpPorts, udpPorts, err := parseArgs(fs, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		fs.PrintDefaults()
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "netlab-app: %v\n", err)
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
		os.Exit(2)
	}

	// As PID 1 of its container the kernel ignores SIGTERM unless a handler is
	// installed: handle it, so `docker stop` ends the pod at once.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	// Every socket is bound before any is served: once one port answers, all do.
	listeners := make([]net.Listener, len(httpPorts))
	for i, port := range httpPorts {
		ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
		if err != nil {
			fmt.Fprintf(os.Stderr, "netlab-app: http port %d: %v\n", port, err)
			os.Exit(1)
		}
		listeners[i] = ln
	}
	conns := make([]net.PacketConn, len(udpPorts))
	for i, port := range udpPorts {
		conn, err := net.ListenPacket("udp", ":"+strconv.Itoa(port))
		if err != nil {
			fmt.Fprintf(os.Stderr, "netlab-app: udp port %d: %v\n", port, err)
			os.Exit(1)
		}
		conns[i] = conn
	}
	for i, port := range httpPorts {
		go serveHTTP(listeners[i], port)
	}
	for i, port := range udpPorts {
		go serveUDP(conns[i], port)
	}
	logger.Printf("netlab-app: pod %s listening on http %s udp %s", podName(), httpPorts.String(), udpPorts.String())

	sig := <-stop
	logger.Printf("netlab-app: %v, exiting", sig)
}
