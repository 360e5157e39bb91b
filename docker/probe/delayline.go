// The delay line's schedule, as netem keeps its time-ordered queue (tfifo): each packet is
// dropped with probability loss, else held until arrival + delay + a uniform draw in
// [-jitter, +jitter) (netem's spread when no distribution table is given), and released in
// the order of those times. With no jitter every packet waits the same, so order is kept;
// with jitter a later packet may leave first, as it does with netem.
package main

import (
	"container/heap"
	"time"
)

// Impairment is what one delay line does to every packet it is given.
type Impairment struct {
	Delay  time.Duration
	Jitter time.Duration
	// Loss is a probability, 0 to 1.
	Loss float64
}

type held struct {
	id  uint32
	at  time.Time
	seq uint64
}

type heldHeap []held

func (h heldHeap) Len() int { return len(h) }
func (h heldHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h heldHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *heldHeap) Push(x any)   { *h = append(*h, x.(held)) }
func (h *heldHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Line holds packets (by their queue IDs) until they are due.
type Line struct {
	imp     Impairment
	random  func() float64 // in [0, 1)
	pending heldHeap
	seq     uint64
}

func NewLine(imp Impairment, random func() float64) *Line {
	return &Line{imp: imp, random: random}
}

// Admit takes a packet that arrived at now: false when it is lost, else the time it leaves.
func (l *Line) Admit(id uint32, now time.Time) (time.Time, bool) {
	if l.imp.Loss > 0 && l.random() < l.imp.Loss {
		return time.Time{}, false
	}
	d := l.imp.Delay
	if l.imp.Jitter > 0 {
		d += time.Duration((2*l.random() - 1) * float64(l.imp.Jitter))
	}
	if d < 0 {
		d = 0
	}
	at := now.Add(d)
	l.seq++
	heap.Push(&l.pending, held{id: id, at: at, seq: l.seq})
	return at, true
}

// Due removes and returns, in leaving order, the packets whose time has come.
func (l *Line) Due(now time.Time) []uint32 {
	var out []uint32
	for len(l.pending) > 0 && !l.pending[0].at.After(now) {
		out = append(out, heap.Pop(&l.pending).(held).id)
	}
	return out
}

// Next is when the next held packet leaves; false when none is held.
func (l *Line) Next() (time.Time, bool) {
	if len(l.pending) == 0 {
		return time.Time{}, false
	}
	return l.pending[0].at, true
}

// Held is how many packets wait.
func (l *Line) Held() int { return len(l.pending) }
