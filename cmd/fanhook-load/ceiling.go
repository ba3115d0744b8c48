package main

import (
	"io"
	"net"
	"net/http"
	"time"
)

var ceilingReply = []byte(`{"status":"accepted","delivery_id":1}`)

// startCeiling serves the cheapest handler that still does what a webhook receiver must
// (read the whole body, answer JSON) on a loopback port. Loading it with the same
// generator on the same machine shows how much of the target's cost is fanhook's own and
// how much is the HTTP stack and this generator.
func startCeiling() (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(ceilingReply)
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
