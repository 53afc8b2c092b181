// Command fakeqrs serves a fake Qlik Sense Repository Service on loopback:
// the demo site, or a generated site of any size (QRS listings and the app
// metadata endpoint), behind a virtual proxy prefix with header
// authentication, over HTTPS with its own CA.
//
//	go run ./examples/fakeqrs -demo -prefix hdr -header hdr-usr -ca-out /tmp/qrs-ca.pem
//	go run ./examples/fakeqrs -apps 10000 -sheets 1000000 -seed 7
//
// It prints the base URL on standard output (one line, for scripts) and
// serves until interrupted. Clients must send the xrfkey, and with -header
// a DIR\user value in that header (just the user id with -directory).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/qrskit/qrs/internal/testserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fakeqrs:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only); port 0 picks a free port")
	apps := flag.Int("apps", 100, "number of generated apps")
	sheets := flag.Int("sheets", 2000, "number of generated sheets over all apps")
	seed := flag.Int64("seed", 1, "generator seed: the same seed gives the same site")
	useTLS := flag.Bool("tls", true, "serve HTTPS with a certificate from the server's own CA")
	prefix := flag.String("prefix", "", "virtual proxy prefix (empty: the default proxy)")
	header := flag.String("header", "", "header-authentication header name, e.g. hdr-usr (empty: no authentication)")
	directory := flag.String("directory", "", "static user directory (empty: the header value is DIR\\user)")
	demo := flag.Bool("demo", false, "serve the small demo site instead of a generated one")
	caOut := flag.String("ca-out", "", "write the CA certificate (PEM) to this file")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if err := checkLoopback(*addr); err != nil {
		return err
	}

	var site testserver.Site
	if *demo {
		site = testserver.DemoSite()
	} else {
		if *apps < 0 || *sheets < 0 {
			return fmt.Errorf("-apps and -sheets must not be negative")
		}
		site = testserver.Generate(testserver.GenConfig{Seed: *seed, Apps: *apps, Sheets: *sheets})
	}
	srv, err := testserver.Start(testserver.Config{
		Addr:      *addr,
		Prefix:    *prefix,
		PlainHTTP: !*useTLS,
		Header:    *header,
		Directory: *directory,
		Site:      site,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	if *caOut != "" {
		if !*useTLS {
			return fmt.Errorf("-ca-out needs -tls")
		}
		if err := os.WriteFile(*caOut, srv.CACertPEM(), 0o644); err != nil {
			return err
		}
	}
	fmt.Println(srv.URL())
	fmt.Fprintf(os.Stderr, "fakeqrs: %d apps, %d app objects, %d data connections, %d reload tasks; interrupt to stop\n",
		site.Len(testserver.KindApp), site.Len(testserver.KindAppObject),
		site.Len(testserver.KindDataConnection), site.Len(testserver.KindReloadTask))

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	return nil
}

// checkLoopback refuses to listen anywhere but on this machine.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %q: only loopback addresses (127.0.0.1, ::1, localhost) are allowed", addr)
	}
	return nil
}
