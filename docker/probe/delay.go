// netlab-delay: the delay line (netlab-agent run under that name). The kernel here has no
// sch_netem, so delay, jitter and loss are done as netem does them, from what it has: iptables'
// NFQUEUE target hands the link's egress packets to this process, which holds each for its
// time (delayline.go) and lets it go on with an accept verdict, or drops it.
//
//	netlab-delay start --queue N [--delay D] [--jitter J] [--loss P] [--label TEXT]
//	                                 runs the line in its own session; exits once its queue is bound
//	netlab-delay run ...             the line itself (what start runs)
//	netlab-delay list             the delay lines of this network namespace, as JSON
//	netlab-delay stop [--queue N] ends them (all, or the one on queue N)
//	netlab-delay prune            ends the lines whose namespace nothing else uses any more
//	                                 (its container is gone: the line alone keeps it alive)
//
// The agent runs `start` in the target's network namespace; the line it leaves running lives in
// the toolbox (out of reach of the lab's pods) and outlives the netlab command that started it. Once its
// queue is bound it keeps only CAP_NET_ADMIN, which nfnetlink asks of every verdict.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const delayName = "netlab-delay"

// netemLimit is netem's default queue limit: more packets held than this are dropped.
const netemLimit = 1000

type delaySpec struct {
	Pid    int     `json:"pid"`
	Queue  int     `json:"queue"`
	Delay  string  `json:"delay"`
	Jitter string  `json:"jitter"`
	Loss   float64 `json:"loss"`
	Label  string  `json:"label"`
}

func delayMain(args []string) {
	if len(args) == 0 {
		delayDie("usage: netlab-delay run|list|stop ...")
	}
	switch args[0] {
	case "start":
		if _, _, err := parseRun(args[1:]); err != nil {
			delayDie("%v", err)
		}
		pid, err := startLine(args[1:])
		if err != nil {
			delayDie("%v", err)
		}
		fmt.Println(pid)
	case "run":
		spec, imp, err := parseRun(args[1:])
		if err != nil {
			delayDie("%v", err)
		}
		ready := os.NewFile(3, "ready")
		if os.Getenv(readyEnv) == "" {
			ready = nil
		}
		if err := runLine(spec, imp, ready); err != nil {
			delayDie("%v", err)
		}
	case "list":
		lines, err := lines()
		if err != nil {
			delayDie("%v", err)
		}
		_ = json.NewEncoder(os.Stdout).Encode(lines)
	case "prune":
		n, err := pruneLines()
		if err != nil {
			delayDie("%v", err)
		}
		fmt.Println(n)
	case "stop":
		fs := flag.NewFlagSet("stop", flag.ContinueOnError)
		queue := fs.Int("queue", -1, "")
		if err := fs.Parse(args[1:]); err != nil {
			delayDie("%v", err)
		}
		if err := stopLines(*queue); err != nil {
			delayDie("%v", err)
		}
	default:
		delayDie("unknown command %q", args[0])
	}
}

func delayDie(format string, a ...any) {
	fmt.Fprintf(os.Stderr, delayName+": "+format+"\n", a...)
	os.Exit(2)
}

func parseRun(args []string) (delaySpec, Impairment, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	queue := fs.Int("queue", -1, "")
	delay := fs.Duration("delay", 0, "")
	jitter := fs.Duration("jitter", 0, "")
	loss := fs.Float64("loss", 0, "percent")
	label := fs.String("label", "", "")
	if err := fs.Parse(args); err != nil {
		return delaySpec{}, Impairment{}, err
	}
	switch {
	case *queue < 0 || *queue > 65535:
		return delaySpec{}, Impairment{}, errors.New("--queue must be 0-65535")
	case *delay < 0 || *jitter < 0:
		return delaySpec{}, Impairment{}, errors.New("--delay and --jitter must not be negative")
	case *loss < 0 || *loss > 100:
		return delaySpec{}, Impairment{}, errors.New("--loss is a percentage, 0-100")
	}
	spec := delaySpec{Queue: *queue, Delay: delay.String(), Jitter: jitter.String(), Loss: *loss, Label: *label}
	return spec, Impairment{Delay: *delay, Jitter: *jitter, Loss: *loss / 100}, nil
}

const readyEnv = "NETLAB_DELAY_READY"

// startLine runs the line in a session of its own (the agent's timeout never reaches it) and
// returns once it says its queue is bound, or why it could not bind it.
func startLine(args []string) (int, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	cmd := exec.Command("/proc/self/exe", append([]string{"run"}, args...)...)
	cmd.Args[0] = delayName
	cmd.Env = []string{readyEnv + "=1"}
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, err
	}
	w.Close()
	_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
	said, _ := io.ReadAll(io.LimitReader(r, 4096))
	if strings.TrimSpace(string(said)) != "ok" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, fmt.Errorf("the delay line did not start: %s", strings.TrimSpace(string(said)))
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release()
	return pid, nil
}

func runLine(spec delaySpec, imp Impairment, ready *os.File) error {
	q, err := openQueue(uint16(spec.Queue), netemLimit)
	if ready != nil {
		if err != nil {
			fmt.Fprintln(ready, err)
		} else {
			fmt.Fprintln(ready, "ok")
		}
		ready.Close()
	}
	if err != nil {
		return err
	}
	keepOnlyNetAdmin()
	line := NewLine(imp, rand.New(rand.NewSource(time.Now().UnixNano())).Float64)
	arrived := make(chan []uint32, 64)
	failed := make(chan error, 1)
	go func() {
		buf := make([]byte, 1<<16)
		for {
			ids, err := q.receive(buf)
			if err != nil {
				failed <- err
				return
			}
			if len(ids) > 0 {
				arrived <- ids
			}
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	timer := time.NewTimer(time.Hour)
	for {
		select {
		case ids := <-arrived:
			now := time.Now()
			for _, id := range ids {
				if _, ok := line.Admit(id, now); !ok {
					_ = q.verdict(id, false)
				}
			}
		case <-timer.C:
		case err := <-failed:
			return err
		case <-stop:
			return nil
		}
		for _, id := range line.Due(time.Now()) {
			_ = q.verdict(id, true)
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		if next, ok := line.Next(); ok {
			timer.Reset(time.Until(next))
		} else {
			timer.Reset(time.Hour)
		}
	}
}

// keepOnlyNetAdmin drops every capability but CAP_NET_ADMIN (nfnetlink checks it on each
// verdict), in every thread, and the bounding set, so nothing can bring them back.
func keepOnlyNetAdmin() {
	const capNetAdmin, capsetVersion3, prSetNoNewPrivs, prCapbsetDrop = 12, 0x20080522, 38, 24
	for c := 0; c <= 63; c++ {
		if c != capNetAdmin {
			_, _, _ = syscall.AllThreadsSyscall(syscall.SYS_PRCTL, prCapbsetDrop, uintptr(c), 0)
		}
	}
	header := [2]uint32{capsetVersion3, 0}
	data := [6]uint32{1 << capNetAdmin, 1 << capNetAdmin, 0, 0, 0, 0}
	_, _, _ = syscall.AllThreadsSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&header)), uintptr(unsafe.Pointer(&data)), 0)
	runtime.KeepAlive(&header)
	runtime.KeepAlive(&data)
	_, _, _ = syscall.AllThreadsSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0)
}

// pruneLines ends every delay line (of any namespace) that is the last process in its
// network namespace: the container it impaired was removed or replaced.
func pruneLines() (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	users := map[string]int{}
	var delays []struct {
		pid int
		ns  string
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ns, err := os.Readlink("/proc/" + e.Name() + "/ns/net")
		if err != nil {
			continue
		}
		if isLine(pid) {
			delays = append(delays, struct {
				pid int
				ns  string
			}{pid, ns})
			continue
		}
		users[ns]++
	}
	ended := 0
	for _, d := range delays {
		if users[d.ns] == 0 {
			_ = syscall.Kill(d.pid, syscall.SIGTERM)
			ended++
		}
	}
	return ended, nil
}

// isLine: the process is a delay line run from this very binary, in this container (another
// lab's toolbox tends its own).
func isLine(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid)
	mine, _ := os.ReadFile("/proc/self/cgroup")
	its, err := os.ReadFile(dir + "/cgroup")
	if err != nil || string(its) != string(mine) {
		return false
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	if err != nil {
		return false
	}
	argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if len(argv) < 2 || filepath.Base(argv[0]) != delayName || argv[1] != "run" {
		return false
	}
	exe, _ := os.Readlink("/proc/self/exe")
	bin, _ := os.Readlink(dir + "/exe")
	return bin == exe
}

// lines finds the delay lines of this network namespace: the processes run as netlab-delay
// from this very binary whose network namespace is ours.
func lines() ([]delaySpec, error) {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return nil, err
	}
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	out := []delaySpec{}
	me := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == me {
			continue
		}
		dir := "/proc/" + e.Name()
		cmdline, err := os.ReadFile(dir + "/cmdline")
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		if len(argv) < 2 || filepath.Base(argv[0]) != delayName || argv[1] != "run" {
			continue
		}
		if ns, _ := os.Readlink(dir + "/ns/net"); ns != self {
			continue
		}
		if bin, _ := os.Readlink(dir + "/exe"); bin != exe {
			continue
		}
		spec, _, err := parseRun(argv[2:])
		if err != nil {
			continue
		}
		spec.Pid = pid
		out = append(out, spec)
	}
	return out, nil
}

// stopLines ends this namespace's delay lines (queue -1: all) and waits until they are gone.
func stopLines(queue int) error {
	found, err := lines()
	if err != nil {
		return err
	}
	for _, l := range found {
		if queue < 0 || l.Queue == queue {
			_ = syscall.Kill(l.Pid, syscall.SIGTERM)
			gone := false
			for i := 0; i < 100 && !gone; i++ {
				if syscall.Kill(l.Pid, 0) != nil {
					gone = true
				} else if stat, _ := os.ReadFile("/proc/" + strconv.Itoa(l.Pid) + "/stat"); strings.Contains(string(stat), ") Z ") {
					gone = true
				} else {
					time.Sleep(20 * time.Millisecond)
				}
			}
			if !gone {
				_ = syscall.Kill(l.Pid, syscall.SIGKILL)
			}
		}
	}
	return nil
}
