package traffic

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"sync/atomic"

	"github.com/miekg/dns"
)

// The DNS server answers for the account's domains, authoritatively, on
// one loopback port over UDP and TCP: every record the API holds, CNAMEs
// followed within their zone, NXDOMAIN for names a zone lacks and REFUSED
// for names outside every zone. It never asks another server anything.

// Zone is one of the account's domains as the DNS server answers it.
// Names are absolute, lower case and without the trailing dot.
type Zone struct {
	Name    string
	SOA     SOA
	Records []ZoneRecord
}

// SOA is a zone's start of authority.
type SOA struct {
	NS, Mbox                               string // host names
	TTL                                    int
	Serial, Refresh, Retry, Expire, MinTTL uint32
}

// ZoneRecord is one record: Data is the address (A, AAAA), the text (TXT),
// the CAA value, or the host name the record points at (CNAME, MX, NS,
// SRV).
type ZoneRecord struct {
	Name, Type, Data              string
	TTL                           int
	Priority, Weight, Port, Flags int
	Tag                           string
}

// dnsServer serves the latest zones on a UDP socket and a TCP listener
// sharing one loopback port.
type dnsServer struct {
	addr     string
	udp, tcp *dns.Server
	zones    atomic.Pointer[zoneSet]
}

// listenDNS binds addr (a loopback address; port 0 picks one free for both
// UDP and TCP) and serves until close.
func listenDNS(addr string) (*dnsServer, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dns listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("dns listen address %q is not a loopback IP: the sandbox's DNS binds 127.0.0.1 or ::1 only", addr)
	}
	tcp, udp, err := listenBoth(host, port)
	if err != nil {
		return nil, fmt.Errorf("dns listen %s: %w", addr, err)
	}
	s := &dnsServer{addr: tcp.Addr().String()}
	s.zones.Store(&zoneSet{})
	s.tcp = &dns.Server{Listener: tcp, Handler: s}
	s.udp = &dns.Server{PacketConn: udp, Handler: s}
	for _, srv := range []*dns.Server{s.tcp, s.udp} {
		if err := activate(srv); err != nil {
			s.close()
			return nil, fmt.Errorf("dns serve %s: %w", addr, err)
		}
	}
	return s, nil
}

// listenBoth opens TCP and UDP on the same port; with port 0 it retries
// until the port TCP got is free for UDP too.
func listenBoth(host, port string) (net.Listener, net.PacketConn, error) {
	for range 20 {
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, err
		}
		got := strconv.Itoa(tcp.Addr().(*net.TCPAddr).Port)
		udp, err := net.ListenPacket("udp", net.JoinHostPort(host, got))
		if err == nil {
			return tcp, udp, nil
		}
		tcp.Close()
		if port != "0" {
			return nil, nil, err
		}
	}
	return nil, nil, errors.New("no port free for both UDP and TCP")
}

// activate starts srv and waits until it serves, so a close right after
// finds it started.
func activate(srv *dns.Server) error {
	started := make(chan struct{})
	failed := make(chan error, 1)
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { failed <- srv.ActivateAndServe() }()
	select {
	case <-started:
		return nil
	case err := <-failed:
		return err
	}
}

// setZones makes zones what the server answers from; a nil server
// ignores it. Unchanged zones are not rebuilt.
func (s *dnsServer) setZones(zones []Zone) {
	if s == nil || reflect.DeepEqual(s.zones.Load().src, zones) {
		return
	}
	s.zones.Store(newZoneSet(zones))
}

func (s *dnsServer) close() {
	for _, srv := range []*dns.Server{s.tcp, s.udp} {
		if srv != nil {
			_ = srv.Shutdown()
		}
	}
}

// ServeDNS answers one query from the zones of the last snapshot.
func (s *dnsServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1:
		m.Rcode = dns.RcodeFormatError
	case req.Question[0].Qclass != dns.ClassINET && req.Question[0].Qclass != dns.ClassANY:
		m.Rcode = dns.RcodeRefused
	default:
		s.zones.Load().answer(m, req.Question[0])
	}
	size := dns.MaxMsgSize
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size = dns.MinMsgSize
	}
	if opt := req.IsEdns0(); opt != nil {
		m.SetEdns0(4096, false)
		if size == dns.MinMsgSize {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
	}
	m.Truncate(size)
	m.Compress = true
	_ = w.WriteMsg(m)
}
