// netlab-agent session: several requests in one exec, so that a command that must see what one
// request gives before it can write the next (a partial kube-proxy sync reads each node's state,
// plans, then loads its rules and writes the new state) pays for one exec, not one per request.
//
//	netlab-agent session < {request}\n{request}\n...
//
// Each line of stdin is a request as the one-shot agent takes it; its results are one line of
// stdout, written before the next line is read. The session ends at the end of stdin.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

func session() {
	if err := runSession(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "netlab-agent: %v\n", err)
		os.Exit(2)
	}
}

// runSession answers each request line of in with one line of results on out, until in ends.
func runSession(in io.Reader, out io.Writer) error {
	lines := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriterSize(out, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, readErr := lines.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var req Request
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				return fmt.Errorf("unreadable request: %v", err)
			}
			if err := enc.Encode(map[string][]Result{"results": runAll(req)}); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}
