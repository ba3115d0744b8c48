package web

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// contentSecurityPolicy allows nothing but the page's own static files: no
// inline script or style, no framing, forms post only to the admin itself.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every admin response carries. Pages show
// personal data, so nothing but the hashed static files may be cached.
func (a *Admin) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if a.isTLS(c.Request()) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// isTLS tells whether the browser reached us over HTTPS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (a *Admin) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !a.trusted(peer.Addr().Unmap()) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func (a *Admin) trusted(ip netip.Addr) bool {
	for _, p := range a.opts.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// clientAddr is the address the request came from: the peer, or when the
// peer is a trusted proxy the rightmost untrusted X-Forwarded-For hop.
func (a *Admin) clientAddr(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	ip := peer.Addr().Unmap()
	if !a.trusted(ip) {
		return ip.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.Trim(strings.TrimSpace(hops[i]), "[]")
		if hop == "" {
			continue
		}
		addr, err := netip.ParseAddr(hop)
		if err != nil {
			if ap, err2 := netip.ParseAddrPort(hop); err2 == nil {
				addr = ap.Addr()
			} else {
				return ip.String()
			}
		}
		ip = addr.Unmap()
		if !a.trusted(ip) {
			break
		}
	}
	return ip.String()
}
