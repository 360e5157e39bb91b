// A netfilter queue (nfnetlink_queue) spoken over a plain netlink socket: bind a queue number
// in the current network namespace, receive the IDs of the packets iptables' NFQUEUE target
// hands it, and give each a verdict. Only metadata is copied: the delay line never reads
// or changes a packet, it only decides when (and whether) the packet goes on.
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
)

const (
	netlinkNetfilter = 12
	nfnlSubsysQueue  = 3
	nfqnlMsgPacket   = 0
	nfqnlMsgVerdict  = 1
	nfqnlMsgConfig   = 2
	nfqaCfgCmd       = 1
	nfqaCfgParams    = 2
	nfqaCfgMaxlen    = 3
	nfqaPacketHdr    = 1
	nfqaVerdictHdr   = 2
	nfqnlCmdBind     = 1
	nfqnlCopyMeta    = 1
	verdictDrop      = 0
	verdictAccept    = 1
	nlmsgError       = 2
	nlmFRequest      = 1
	nlmFAck          = 4
)

// Netlink headers are in the host's byte order; netlink runs on little-endian amd64 and arm64 here.
var host = binary.LittleEndian

type nfQueue struct {
	fd    int
	queue uint16
	seq   uint32
}

// openQueue binds queue number `queue` in the current network namespace, holding at most maxlen packets (netem's limit).
func openQueue(queue uint16, maxlen uint32) (*nfQueue, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %v", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("netlink bind: %v", err)
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<20)
	q := &nfQueue{fd: fd, queue: queue}
	cmd := []byte{nfqnlCmdBind, 0, 0, 0}
	params := make([]byte, 5)
	binary.BigEndian.PutUint32(params, 0xffff)
	params[4] = nfqnlCopyMeta
	limit := make([]byte, 4)
	binary.BigEndian.PutUint32(limit, maxlen)
	for _, attrs := range [][]byte{attr(nfqaCfgCmd, cmd), append(attr(nfqaCfgParams, params), attr(nfqaCfgMaxlen, limit)...)} {
		if err := q.request(nfqnlMsgConfig, attrs); err != nil {
			syscall.Close(fd)
			return nil, fmt.Errorf("binding queue %d: %v", queue, err)
		}
	}
	return q, nil
}

func attr(kind uint16, data []byte) []byte {
	b := make([]byte, 4, 4+len(data)+3)
	host.PutUint16(b, uint16(4+len(data)))
	host.PutUint16(b[2:], kind)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (q *nfQueue) message(kind uint16, flags uint16, attrs []byte) []byte {
	q.seq++
	b := make([]byte, 20, 20+len(attrs))
	host.PutUint32(b, uint32(20+len(attrs)))
	host.PutUint16(b[4:], nfnlSubsysQueue<<8|kind)
	host.PutUint16(b[6:], flags)
	host.PutUint32(b[8:], q.seq)
	// nfgenmsg: AF_UNSPEC, version 0, the queue number (big-endian).
	binary.BigEndian.PutUint16(b[18:], q.queue)
	return append(b, attrs...)
}

// request sends a config message and waits for the kernel's acknowledgement.
func (q *nfQueue) request(kind uint16, attrs []byte) error {
	if err := syscall.Sendto(q.fd, q.message(kind, nlmFRequest|nlmFAck, attrs), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 8192)
	for {
		n, _, err := syscall.Recvfrom(q.fd, buf, 0)
		if err != nil {
			return err
		}
		for _, m := range splitMessages(buf[:n]) {
			if m.kind == nlmsgError && len(m.body) >= 4 {
				if code := int32(host.Uint32(m.body)); code != 0 {
					return syscall.Errno(-code)
				}
				return nil
			}
		}
	}
}

type netlinkMessage struct {
	kind uint16
	body []byte
}

func splitMessages(b []byte) []netlinkMessage {
	var out []netlinkMessage
	for len(b) >= 16 {
		size := int(host.Uint32(b))
		if size < 16 || size > len(b) {
			break
		}
		out = append(out, netlinkMessage{kind: host.Uint16(b[4:]), body: b[16:size]})
		b = b[min4(len(b), (size+3)&^3):]
	}
	return out
}

// packetID reads the ID of the packet queued in one netlink message (nfgenmsg, then attributes).
func packetID(m netlinkMessage) (uint32, bool) {
	if m.kind != nfnlSubsysQueue<<8|nfqnlMsgPacket || len(m.body) < 4 {
		return 0, false
	}
	a := m.body[4:]
	for len(a) >= 4 {
		size := int(host.Uint16(a))
		kind := host.Uint16(a[2:]) & 0x3fff
		if size < 4 || size > len(a) {
			return 0, false
		}
		if kind == nfqaPacketHdr && size >= 8 {
			return binary.BigEndian.Uint32(a[4:]), true
		}
		a = a[min4(len(a), (size+3)&^3):]
	}
	return 0, false
}

func min4(a, b int) int {
	if a < b {
		return a
	}
	return b
}

// receive blocks until packets come and returns their IDs.
func (q *nfQueue) receive(buf []byte) ([]uint32, error) {
	n, _, err := syscall.Recvfrom(q.fd, buf, 0)
	if err != nil {
		// Too many at once: the kernel dropped some (as a full netem queue does); go on.
		if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.EINTR) {
			return nil, nil
		}
		return nil, err
	}
	var ids []uint32
	for _, m := range splitMessages(buf[:n]) {
		if id, ok := packetID(m); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// verdict lets a packet go on (accept) or drops it.
func (q *nfQueue) verdict(id uint32, accept bool) error {
	body := make([]byte, 8)
	v := uint32(verdictDrop)
	if accept {
		v = verdictAccept
	}
	binary.BigEndian.PutUint32(body, v)
	binary.BigEndian.PutUint32(body[4:], id)
	return syscall.Sendto(q.fd, q.message(nfqnlMsgVerdict, nlmFRequest, attr(nfqaVerdictHdr, body)), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK})
}
