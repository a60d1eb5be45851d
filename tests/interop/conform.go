// conform.go - the nats.go side of the conformance suite
// (tests/interop/conformance.sh): the cases of conform.c, one line
// "CASE: outcome" each, compared between nats-server and the daemon.
// Never fails on an outcome: only the comparison decides. Built offline
// from Debian's golang-github-nats-io-go-nats-dev (GO111MODULE=off,
// GOPATH=/usr/share/gocode).
// Usage: conform-go URL basic
//        conform-go URL auth [token T | user U P | nkey PUB SEEDFILE |
//                             creds FILE | none]
//        conform-go URL ldm READYFILE
package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

var (
	url     string
	errMu   sync.Mutex
	asyncEr string
)

func base(extra ...nats.Option) []nats.Option {
	return append([]nats.Option{
		nats.Name("conform"), nats.NoReconnect(), nats.Timeout(3 * time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			errMu.Lock()
			if asyncEr == "" {
				asyncEr = err.Error()
			}
			errMu.Unlock()
		}),
	}, extra...)
}

func takeErr() string {
	errMu.Lock()
	defer errMu.Unlock()
	e := asyncEr
	asyncEr = ""
	return e
}

// drain: what sub got within 300 ms of quiet, f of each message
func drain(sub *nats.Subscription, f func(*nats.Msg) string) []string {
	var got []string
	for {
		m, err := sub.NextMsg(300 * time.Millisecond)
		if err != nil {
			return got
		}
		got = append(got, f(m))
	}
}

func data(m *nats.Msg) string    { return string(m.Data) }
func subject(m *nats.Msg) string { return m.Subject }

func basic() {
	nc, err := nats.Connect(url, base()...)
	if err != nil {
		fmt.Printf("connect: %v\n", err)
		return
	}
	s, _ := nc.SubscribeSync("c.a")
	nc.Flush()
	for _, p := range [][2]string{{"c.a", "1"}, {"c.b", "x"}, {"c.a", "2"}, {"c.a", "3"}} {
		nc.Publish(p[0], []byte(p[1]))
	}
	nc.Flush()
	fmt.Printf("pubsub: %s\n", strings.Join(drain(s, data), " "))
	s.Unsubscribe()

	star, _ := nc.SubscribeSync("w.*")
	gt, _ := nc.SubscribeSync("w.>")
	nc.Flush()
	for _, sj := range []string{"w.a", "w.a.b", "x.a", "w"} {
		nc.Publish(sj, nil)
	}
	nc.Flush()
	fmt.Printf("wildcards: w.*: %s w.>: %s\n", strings.Join(drain(star, subject), " "),
		strings.Join(drain(gt, subject), " "))

	q1, _ := nc.QueueSubscribeSync("q", "g")
	q2, _ := nc.QueueSubscribeSync("q", "g")
	plain, _ := nc.SubscribeSync("q")
	nc.Flush()
	for i := 0; i < 60; i++ {
		nc.Publish("q", []byte("m"))
	}
	nc.Flush()
	n1, n2, np := len(drain(q1, data)), len(drain(q2, data)), len(drain(plain, data))
	both := "no"
	if n1 > 0 && n2 > 0 {
		both = "yes"
	}
	fmt.Printf("queue: group=%d both=%s plain=%d\n", n1+n2, both, np)

	svc, _ := nc.Subscribe("svc", func(m *nats.Msg) { m.Respond([]byte("re:" + string(m.Data))) })
	nc.Flush()
	if r, err := nc.Request("svc", []byte("x"), 2*time.Second); err != nil {
		fmt.Printf("request: error %v\n", err)
	} else {
		fmt.Printf("request: %s\n", r.Data)
	}
	svc.Unsubscribe()
	if _, err := nc.Request("nobody", []byte("x"), 2*time.Second); err != nil {
		fmt.Printf("noresponders: %v\n", err)
	} else {
		fmt.Printf("noresponders: answered\n")
	}

	h, _ := nc.SubscribeSync("h")
	nc.Flush()
	m := nats.NewMsg("h")
	m.Header.Set("X-Key", "v1")
	m.Data = []byte("d")
	nc.PublishMsg(m)
	nc.Flush()
	if g, err := h.NextMsg(2 * time.Second); err != nil {
		fmt.Printf("headers: nothing\n")
	} else {
		fmt.Printf("headers: X-Key=%s data=%s\n", g.Header.Get("X-Key"), g.Data)
	}

	max := nc.MaxPayload()
	fmt.Printf("maxpayload: %d\n", max)
	err = nc.Publish("big", make([]byte, max+1))
	fmt.Printf("maxpayload one byte more: %v\n", errText(err))
	err = nc.Publish("big", make([]byte, max))
	if err == nil {
		err = nc.FlushTimeout(2 * time.Second)
	}
	fmt.Printf("maxpayload exactly: %v\n", errText(err))
	nc.Close()
	subjects(false)
	subjects(true)
}

func errText(err error) string {
	if err == nil {
		return "OK"
	}
	return err.Error()
}

// subjects: publish what nats-server takes without pedantic (and refuses
// with it): does the connection survive, does a '>' subscriber see them
func subjects(pedantic bool) {
	tag := "subjects"
	if pedantic {
		tag = "subjects pedantic"
	}
	closed := make(chan struct{})
	nc, err := nats.Connect(url, base(func(o *nats.Options) error {
		o.Pedantic = pedantic
		return nil
	}, nats.ClosedHandler(func(*nats.Conn) { close(closed) }))...)
	if err != nil {
		fmt.Printf("%s connect: %v\n", tag, err)
		return
	}
	all, _ := nc.SubscribeSync("s.>")
	nc.Flush()
	takeErr()
	for _, sj := range []string{"s.*", "s.>", "s..b", "s.b."} {
		err := nc.Publish(sj, nil)
		if err == nil {
			err = nc.FlushTimeout(time.Second)
		}
		e := takeErr()
		if e != "" {
			e = ", error '" + e + "'"
		}
		fmt.Printf("%s %s: %s%s\n", tag, sj, errText(err), e)
		if nc.IsClosed() {
			<-closed
			fmt.Printf("%s closed: %v\n", tag, errText(nc.LastError()))
			return
		}
	}
	fmt.Printf("%s got: %s\n", tag, strings.Join(drain(all, subject), " "))
	nc.Close()
}

func auth(args []string) {
	kind := "none"
	var opts []nats.Option
	if len(args) > 0 {
		kind = args[0]
		switch {
		case kind == "token" && len(args) > 1:
			opts = append(opts, nats.Token(args[1]))
		case kind == "user" && len(args) > 2:
			opts = append(opts, nats.UserInfo(args[1], args[2]))
		case kind == "nkey" && len(args) > 2:
			o, err := nats.NkeyOptionFromSeed(args[2])
			if err != nil {
				fmt.Printf("auth nkey: error %v\n", err)
				return
			}
			opts = append(opts, o)
		case kind == "creds" && len(args) > 1:
			opts = append(opts, nats.UserCredentials(args[1]))
		}
	}
	nc, err := nats.Connect(url, base(opts...)...)
	if err != nil {
		fmt.Printf("auth %s: error %v\n", kind, err)
		return
	}
	fmt.Printf("auth %s: %s\n", kind, errText(nc.FlushTimeout(2*time.Second)))
	nc.Close()
}

func ldm(ready string) {
	seen := make(chan struct{}, 1)
	nc, err := nats.Connect(url, base(nats.LameDuckModeHandler(func(*nats.Conn) {
		select {
		case seen <- struct{}{}:
		default:
		}
	}))...)
	if err != nil {
		fmt.Printf("ldm connect: %v\n", err)
		return
	}
	nc.Flush()
	if f, err := os.Create(ready); err == nil {
		f.Close()
	}
	select {
	case <-seen:
		fmt.Printf("ldm: seen\n")
	case <-time.After(8 * time.Second):
		fmt.Printf("ldm: not seen in 8 s\n")
	}
	nc.Close()
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: conform-go URL basic|auth|ldm [ARG...]")
		os.Exit(64)
	}
	url = os.Args[1]
	switch os.Args[2] {
	case "auth":
		auth(os.Args[3:])
	case "ldm":
		if len(os.Args) == 4 {
			ldm(os.Args[3])
		}
	default:
		basic()
	}
}
