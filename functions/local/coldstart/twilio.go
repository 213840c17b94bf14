package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// twilioHost is where twilio-go sends messages; its base URL cannot be changed.
const twilioHost = "api.twilio.com"

// fakeTwilio is an HTTPS proxy that answers CONNECT api.twilio.com:443 itself, with TLS under
// a certificate of a CA of its own, and serves the part of Twilio's Messages API the worker
// calls (201 and the Message resource). Give a process HTTPS_PROXY=ProxyURL() and
// SSL_CERT_FILE=CAFile().
type fakeTwilio struct {
	ln     net.Listener
	srv    *http.Server
	tls    *tls.Config
	caFile string
	sent   atomic.Int64
}

func startFakeTwilio(dir string) (*fakeTwilio, error) {
	caPEM, tlsCfg, err := certificates()
	if err != nil {
		return nil, err
	}
	t := &fakeTwilio{tls: tlsCfg, caFile: filepath.Join(dir, "twilio-ca.pem")}
	if err := os.WriteFile(t.caFile, caPEM, 0o600); err != nil {
		return nil, err
	}
	if t.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	t.srv = &http.Server{Handler: http.HandlerFunc(t.connect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = t.srv.Serve(t.ln) }()
	return t, nil
}

// ProxyURL is the value of HTTPS_PROXY.
func (t *fakeTwilio) ProxyURL() string { return "http://" + t.ln.Addr().String() }

// CAFile is the PEM file of the CA the proxy's certificate chains to.
func (t *fakeTwilio) CAFile() string { return t.caFile }

// Sent is how many messages were accepted.
func (t *fakeTwilio) Sent() int { return int(t.sent.Load()) }

func (t *fakeTwilio) Close() { _ = t.srv.Close() }

func (t *fakeTwilio) connect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect || r.Host != twilioHost+":443" {
		http.Error(w, "this proxy only reaches "+twilioHost, http.StatusForbidden)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	go t.serve(tls.Server(conn, t.tls))
}

var messagesPath = regexp.MustCompile(`^/2010-04-01/Accounts/(AC[0-9A-Za-z]+)/Messages\.json$`)

// serve answers the requests of one TLS connection.
func (t *fakeTwilio) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_ = req.ParseForm()
		status, body := http.StatusNotFound, map[string]any{"code": 20404, "message": "not found", "status": 404}
		if m := messagesPath.FindStringSubmatch(req.URL.Path); m != nil && req.Method == http.MethodPost {
			if _, _, ok := req.BasicAuth(); ok && strings.HasPrefix(req.PostForm.Get("To"), "whatsapp:+") {
				t.sent.Add(1)
				sid := make([]byte, 16)
				_, _ = rand.Read(sid)
				status, body = http.StatusCreated, map[string]any{
					"sid": "SM" + hex.EncodeToString(sid), "account_sid": m[1], "status": "queued", "direction": "outbound-api",
					"to": req.PostForm.Get("To"), "from": req.PostForm.Get("From"), "body": req.PostForm.Get("Body"),
					"num_segments": "1", "api_version": "2010-04-01", "date_created": time.Now().UTC().Format(time.RFC1123Z),
				}
			} else {
				status, body = http.StatusBadRequest, map[string]any{"code": 21211, "message": "invalid 'To' or no credentials", "status": 400}
			}
		}
		b, _ := json.Marshal(body)
		resp := &http.Response{StatusCode: status, ProtoMajor: 1, ProtoMinor: 1, Request: req,
			Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			ContentLength: int64(len(b)), Body: io.NopCloser(bytes.NewReader(b))}
		_, _ = io.Copy(io.Discard, req.Body)
		if err := resp.Write(conn); err != nil || req.Close {
			return
		}
	}
}

// certificates makes a throwaway CA and a certificate for api.twilio.com signed by it.
func certificates() ([]byte, *tls.Config, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wabot coldstart throwaway CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: twilioHost}, DNSNames: []string{twilioHost},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}},
		NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), cfg, nil
}
