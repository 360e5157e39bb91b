package main

import (
	"math/rand"
	"testing"
	"time"
)

var t0 = time.Unix(1_700_000_000, 0)

func TestConstantDelayKeepsOrder(t *testing.T) {
	l := NewLine(Impairment{Delay: 200 * time.Millisecond}, rand.New(rand.NewSource(1)).Float64)
	for i := uint32(0); i < 100; i++ {
		at, ok := l.Admit(i, t0.Add(time.Duration(i)*time.Millisecond))
		if !ok || at != t0.Add(time.Duration(i)*time.Millisecond+200*time.Millisecond) {
			t.Fatalf("packet %d leaves at %v (%v)", i, at, ok)
		}
	}
	if got := l.Due(t0.Add(199 * time.Millisecond)); len(got) != 0 {
		t.Fatalf("released before its delay: %v", got)
	}
	got := l.Due(t0.Add(time.Second))
	if len(got) != 100 {
		t.Fatalf("released %d of 100", len(got))
	}
	for i, id := range got {
		if id != uint32(i) {
			t.Fatalf("order changed without jitter: position %d holds %d", i, id)
		}
	}
}

func TestSameInstantKeepsArrivalOrder(t *testing.T) {
	l := NewLine(Impairment{Delay: 10 * time.Millisecond}, rand.New(rand.NewSource(1)).Float64)
	for i := uint32(0); i < 50; i++ {
		l.Admit(i, t0)
	}
	for i, id := range l.Due(t0.Add(10 * time.Millisecond)) {
		if id != uint32(i) {
			t.Fatalf("ties broken out of arrival order at %d: %d", i, id)
		}
	}
}

func TestJitterStaysWithinBoundsAndReorders(t *testing.T) {
	delay, jitter := 100*time.Millisecond, 30*time.Millisecond
	l := NewLine(Impairment{Delay: delay, Jitter: jitter}, rand.New(rand.NewSource(7)).Float64)
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for i := uint32(0); i < 5000; i++ {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		at, ok := l.Admit(i, now)
		if !ok {
			t.Fatal("a packet was lost with loss 0")
		}
		d := at.Sub(now)
		if d < delay-jitter || d >= delay+jitter {
			t.Fatalf("delay %v outside [%v, %v)", d, delay-jitter, delay+jitter)
		}
		if d < lo {
			lo = d
		}
		if d > hi {
			hi = d
		}
	}
	if lo > delay-jitter+2*time.Millisecond || hi < delay+jitter-2*time.Millisecond {
		t.Fatalf("jitter does not spread over its range: %v..%v", lo, hi)
	}
	out := l.Due(t0.Add(time.Hour))
	reordered := 0
	for i := 1; i < len(out); i++ {
		if out[i] < out[i-1] {
			reordered++
		}
	}
	if len(out) != 5000 || reordered == 0 {
		t.Fatalf("released %d, %d out of order: jitter larger than the gap between packets must reorder", len(out), reordered)
	}
}

func TestJitterNeverMakesANegativeDelay(t *testing.T) {
	l := NewLine(Impairment{Delay: 5 * time.Millisecond, Jitter: 50 * time.Millisecond}, rand.New(rand.NewSource(3)).Float64)
	for i := uint32(0); i < 1000; i++ {
		if at, _ := l.Admit(i, t0); at.Before(t0) {
			t.Fatalf("packet %d leaves before it came", i)
		}
	}
}

func TestLossRate(t *testing.T) {
	for _, loss := range []float64{0, 0.05, 0.3, 1} {
		l := NewLine(Impairment{Loss: loss}, rand.New(rand.NewSource(11)).Float64)
		lost := 0
		const n = 20000
		for i := uint32(0); i < n; i++ {
			if _, ok := l.Admit(i, t0); !ok {
				lost++
			}
		}
		rate := float64(lost) / n
		if rate < loss-0.01 || rate > loss+0.01 {
			t.Fatalf("loss %v: lost %.4f of the packets", loss, rate)
		}
		if l.Held()+lost != n {
			t.Fatalf("loss %v: %d held + %d lost != %d", loss, l.Held(), lost, n)
		}
	}
}

func TestNextIsTheEarliest(t *testing.T) {
	l := NewLine(Impairment{Delay: time.Second}, rand.New(rand.NewSource(1)).Float64)
	if _, ok := l.Next(); ok {
		t.Fatal("an empty line has a next packet")
	}
	l.Admit(1, t0)
	l.Admit(2, t0.Add(time.Millisecond))
	if next, ok := l.Next(); !ok || next != t0.Add(time.Second) {
		t.Fatalf("next = %v", next)
	}
}

func TestPacketIDsAreReadFromQueueMessages(t *testing.T) {
	// A packet message: nlmsghdr, nfgenmsg, then NFQA_PACKET_HDR {id, hw_protocol, hook} (and more).
	hdr := []byte{0, 0, 0, 42, 0x08, 0x00, 4, 0}
	body := append([]byte{0, 0, 0x10, 0x92}, attr(nfqaPacketHdr, hdr)...)
	body = append(body, attr(11, []byte{1, 2, 3})...)
	msg := make([]byte, 16, 16+len(body))
	host.PutUint32(msg, uint32(16+len(body)))
	host.PutUint16(msg[4:], nfnlSubsysQueue<<8|nfqnlMsgPacket)
	msg = append(msg, body...)
	two := append(append([]byte{}, msg...), msg...)
	msgs := splitMessages(two)
	if len(msgs) != 2 {
		t.Fatalf("split into %d messages", len(msgs))
	}
	for _, m := range msgs {
		if id, ok := packetID(m); !ok || id != 42 {
			t.Fatalf("packet id %d (%v)", id, ok)
		}
	}
	if _, ok := packetID(netlinkMessage{kind: nlmsgError, body: body}); ok {
		t.Fatal("an error message read as a packet")
	}
	if got := splitMessages(two[:20]); len(got) != 0 {
		t.Fatalf("a cut message was read: %v", got)
	}
}

func TestVerdictMessage(t *testing.T) {
	q := &nfQueue{queue: 0x1092}
	b := q.message(nfqnlMsgVerdict, nlmFRequest, attr(nfqaVerdictHdr, []byte{0, 0, 0, 1, 0, 0, 0, 42}))
	if host.Uint32(b) != uint32(len(b)) || host.Uint16(b[4:]) != 3<<8|1 || b[18] != 0x10 || b[19] != 0x92 {
		t.Fatalf("bad header % x", b[:20])
	}
	if host.Uint16(b[22:]) != nfqaVerdictHdr || len(b) != 32 {
		t.Fatalf("bad attribute % x", b[20:])
	}
}

func TestRunFlags(t *testing.T) {
	spec, imp, err := parseRun([]string{"--queue", "7", "--delay=200ms", "--jitter=20ms", "--loss=5", "--label=link to router"})
	if err != nil || spec.Queue != 7 || imp.Delay != 200*time.Millisecond || imp.Jitter != 20*time.Millisecond || imp.Loss != 0.05 || spec.Label != "link to router" {
		t.Fatalf("%+v %+v %v", spec, imp, err)
	}
	for _, bad := range [][]string{{"--delay=1s"}, {"--queue=7", "--loss=101"}, {"--queue=7", "--delay=-1s"}, {"--queue=70000"}} {
		if _, _, err := parseRun(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}
