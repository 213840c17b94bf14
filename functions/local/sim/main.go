// Command sim plays Twilio against the local stack: it posts an incoming WhatsApp message to
// the webhook, form-encoded and signed with the brand's auth token exactly as Twilio signs
// (X-Twilio-Signature over PUBLIC_BASE_URL + /webhooks/twilio), then prints the replies that
// reach the local outbox. For `make dev` only: the demo tokens are public.
//
//	go run ./functions/local/sim -to whatsapp:+5511990000001 -from whatsapp:+5511987654321 -body "Olá"
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/resourcenames"
	"github.com/wabot-platform/wabot/shared/twilio/twiliotest"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the local runner (PUBLIC_BASE_URL)")
	from := flag.String("from", "whatsapp:+5511987654321", "the customer")
	to := flag.String("to", demo.PizzariaNumber, "the brand's number")
	body := flag.String("body", "Olá", "the message text")
	token := flag.String("token", "", "the brand's auth token (default: the demo brand's)")
	wait := flag.Duration("wait", 3*time.Second, "how long to wait for replies")
	flag.Parse()
	if err := run(*base, *from, *to, *body, *token, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}

func run(base, from, to, body, token string, wait time.Duration) error {
	base = strings.TrimRight(base, "/")
	if token == "" {
		for _, tn := range demo.Tenants() {
			if tn.Client.TwilioPhoneNumber == to {
				token = tn.Twilio.AuthToken
			}
		}
		if token == "" {
			return fmt.Errorf("%s is not a demo brand: pass -token", to)
		}
	}
	before, err := outbox(base, from)
	if err != nil {
		return err
	}
	sid := fmt.Sprintf("SM%032x", time.Now().UnixNano())
	params := map[string]string{
		"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC00000000000000000000000000000000",
		"From": from, "To": to, "Body": body, "NumMedia": "0", "ProfileName": "Sim", "WaId": strings.TrimPrefix(from, "whatsapp:+"),
	}
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequest(http.MethodPost, base+resourcenames.WebhookPath, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(token, base+resourcenames.WebhookPath, params))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("webhook answered %d %s\n", resp.StatusCode, strings.TrimSpace(string(answer)))
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		after, err := outbox(base, from)
		if err != nil {
			return err
		}
		if len(after) > len(before) {
			for _, m := range after[len(before):] {
				fmt.Printf("\n%s -> %s\n%s\n", m.From, m.To, m.Body)
			}
			return nil
		}
	}
	fmt.Println("no reply yet (see GET /dev/outbox)")
	return nil
}

type entry struct{ To, From, Body string }

func outbox(base, to string) ([]entry, error) {
	resp, err := http.Get(base + "/dev/outbox?to=" + url.QueryEscape(to))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out []entry
	return out, json.NewDecoder(resp.Body).Decode(&out)
}
