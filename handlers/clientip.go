package handlers

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address a request came from: the socket peer, unless the
// peer is a trusted proxy, in which case X-Forwarded-For is walked right to
// left, skipping trusted proxies; the first untrusted hop is the client.
// Entries left of it were written by the client itself and are never
// believed. ok is false when the address cannot be read.
func clientIP(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	ip := peer.Addr().Unmap()
	if !containsAddr(trusted, ip) {
		return ip, true
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		addr, err := parseHop(hop)
		if err != nil {
			// A garbled hop written by an untrusted party: nothing left of it can
			// be trusted, and it is no address to allow.
			return netip.Addr{}, false
		}
		ip = addr
		if !containsAddr(trusted, ip) {
			return ip, true
		}
	}
	// Every hop is a trusted proxy: the leftmost is the best we know.
	return ip, true
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port or in brackets.
func parseHop(hop string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr().Unmap(), nil
	}
	addr, err := netip.ParseAddr(strings.Trim(hop, "[]"))
	return addr.Unmap(), err
}

func containsAddr(prefixes []netip.Prefix, ip netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
