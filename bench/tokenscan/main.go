// Command tokenscan is the floor of bench/run.sh: it sends the sheet listing
// request that the qrs library sends (GET {url}/qrs/app/object/full with
// filter objectType eq 'sheet', the xrfkey and header authentication) over
// the same kind of connection (net/http, TLS trusting one CA), and either
// reads the body raw (-mode raw, the transfer floor) or scans it token by
// token with jsontext and decodes nothing (-mode tokens, the decoding floor).
//
//	go run ./bench/tokenscan -url https://127.0.0.1:PORT/hdr -ca ca.pem -user 'BENCH\u1'
//
// It prints one line for the harness: "sheets=N bytes=B" (sheets is the
// number of objects in the top-level array; -1 in raw mode, which does not
// look at the bytes).
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// xrfkey is any 16 letters and digits: the same in the query and the header.
const xrfkey = "0123456789abcdef"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "tokenscan:", err)
		os.Exit(1)
	}
}

func run() error {
	base := flag.String("url", "", "site URL with the virtual proxy prefix, e.g. https://127.0.0.1:4443/hdr")
	caFile := flag.String("ca", "", "PEM file of the CA to trust (default: the system's)")
	header := flag.String("header", "hdr-usr", "header-authentication header name")
	user := flag.String("user", "", `DIRECTORY\user for the header (empty: send no header)`)
	mode := flag.String("mode", "tokens", "raw (read the body) or tokens (scan every JSON token)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if *base == "" {
		return errors.New("-url is required")
	}
	if *mode != "raw" && *mode != "tokens" {
		return fmt.Errorf("-mode %q: want raw or tokens", *mode)
	}
	tlsConfig := &tls.Config{}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s: no PEM certificate", *caFile)
		}
		tlsConfig.RootCAs = pool
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}}

	q := "xrfkey=" + xrfkey + "&filter=" + url.QueryEscape("objectType eq 'sheet'")
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(*base, "/")+"/qrs/app/object/full?"+q, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Qlik-Xrfkey", xrfkey)
	req.Header.Set("Accept", "application/json")
	if *user != "" {
		req.Header.Set(*header, *user)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %s", req.URL.Path, resp.Status)
	}
	body := &countingReader{r: resp.Body}

	sheets := int64(-1)
	if *mode == "raw" {
		if _, err := io.Copy(io.Discard, body); err != nil {
			return err
		}
	} else if sheets, err = scan(bufio.NewReaderSize(body, 64<<10)); err != nil {
		return fmt.Errorf("after %d bytes: %w", body.n, err)
	}
	fmt.Printf("sheets=%d bytes=%d\n", sheets, body.n)
	return nil
}

// scan reads every token of a JSON array of objects and returns how many
// objects the array holds.
func scan(r io.Reader) (int64, error) {
	dec := jsontext.NewDecoder(r)
	var objects int64
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return objects, err
		}
		if tok.Kind() == '{' && dec.StackDepth() == 2 {
			objects++
		}
	}
	if dec.InputOffset() == 0 {
		return 0, errors.New("empty body")
	}
	return objects, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
