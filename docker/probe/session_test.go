package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSessionAnswersEachRequestInTurn(t *testing.T) {
	in := `{"steps":[{"argv":["cat"],"stdin":"one"}]}` + "\n\n" + `{"parallel":2,"steps":[{"argv":["cat"],"stdin":"two"},{"argv":["cat"],"stdin":"three"}]}`
	var out bytes.Buffer
	if err := runSession(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line of results per request, got %q", out.String())
	}
	var got []string
	for _, l := range lines {
		var r struct{ Results []Result }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		for _, x := range r.Results {
			got = append(got, x.Stdout)
		}
	}
	if strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("results: %v", got)
	}
}

func TestSessionRefusesAnUnreadableRequest(t *testing.T) {
	var out bytes.Buffer
	if err := runSession(strings.NewReader(`{"steps":[],"shell":"id"}`+"\n"), &out); err == nil || out.Len() != 0 {
		t.Fatalf("an unknown field was accepted: %v %q", err, out.String())
	}
}

func TestStateFileWriteReadRemove(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "var/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := "/var/lib/state.gz"
	if r := stateFileOp(root, "read", path, ""); r.ExitCode != 1 || r.Stderr != "no such file\n" {
		t.Fatalf("read of a missing file: %+v", r)
	}
	data := []byte{0, 1, 2, 255, '\n'}
	if r := stateFileOp(root, "write", path, base64.StdEncoding.EncodeToString(data)); r.ExitCode != 0 {
		t.Fatalf("write: %+v", r)
	}
	r := stateFileOp(root, "read", path, "")
	if got, _ := base64.StdEncoding.DecodeString(r.Stdout); r.ExitCode != 0 || !bytes.Equal(got, data) {
		t.Fatalf("read back: %+v", r)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "var/lib")); len(entries) != 1 {
		t.Fatalf("the file written aside was left behind: %v", entries)
	}
	if r := stateFileOp(root, "write", path, "not base64!"); r.ExitCode != -1 {
		t.Fatalf("bad data written: %+v", r)
	}
	for i := 0; i < 2; i++ {
		if r := stateFileOp(root, "remove", path, ""); r.ExitCode != 0 {
			t.Fatalf("remove %d: %+v", i, r)
		}
	}
	if _, err := os.Stat(filepath.Join(root, path)); !os.IsNotExist(err) {
		t.Fatal("the file is still there")
	}
}

func TestStateFileFollowsNoLinks(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "state.gz"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "var"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A directory that is a link out of the container.
	if err := os.Symlink(outside, filepath.Join(root, "var/lib")); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"read", "write", "remove"} {
		if r := stateFileOp(root, op, "/var/lib/state.gz", base64.StdEncoding.EncodeToString([]byte("x"))); r.ExitCode != -1 {
			t.Errorf("%s went through a linked directory: %+v", op, r)
		}
	}
	// The file itself a link.
	if err := os.Remove(filepath.Join(root, "var/lib")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "var/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "state.gz"), filepath.Join(root, "var/lib/state.gz")); err != nil {
		t.Fatal(err)
	}
	if r := stateFileOp(root, "read", "/var/lib/state.gz", ""); r.ExitCode != -1 || strings.Contains(r.Stdout, base64.StdEncoding.EncodeToString([]byte("secret"))) {
		t.Errorf("read followed a linked file: %+v", r)
	}
	if got, _ := os.ReadFile(filepath.Join(outside, "state.gz")); string(got) != "secret" {
		t.Errorf("the file outside changed: %q", got)
	}
}

func TestStateStepsAreNamedAndNeedTheirContainer(t *testing.T) {
	for _, step := range []Step{
		{Argv: []string{"netlab-state", "read", "/etc/shadow"}, Netns: &Namespace{Pid: os.Getpid(), Container: "0123456789abcdef"}},
		{Argv: []string{"netlab-state", "read", "kube-proxy-sync"}},
		{Argv: []string{"netlab-state", "read", "kube-proxy-sync"}, Netns: &Namespace{Pid: os.Getpid(), Container: "0123456789abcdef"}},
		{Argv: []string{"netlab-state", "read"}},
	} {
		if r := runStep(step); r.ExitCode != -1 || r.Error == "" {
			t.Errorf("%v ran: %+v", step.Argv, r)
		}
	}
}
