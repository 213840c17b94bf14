// Command pay plays the customer's bank for the local stack: it marks an order's charge at
// the local payment provider (shared/dev/localasaas, mounted by `make dev` at
// localasaas.MountPath) as paid, or as overdue, which sends the brand's bot the webhook
// Asaas would send, and prints what happened. It runs
//
//	make pay ORDER=<orderId> [CLIENT=<clientId>] [OVERDUE=1]
//
// which is meant as
//
//	go run ./functions/local/pay -order '$(ORDER)' $(if $(CLIENT),-client '$(CLIENT)') $(if $(OVERDUE),-overdue)
//
// ORDER is the order id (the charge's externalReference) or a payment id (pay_...); CLIENT
// picks the brand when several brands have an order of that id. The stack is found at -url,
// default WABOT_URL, else http://127.0.0.1:${PORT:-8080}. It exits 1 when the stack is not
// running, the order has no charge, or the bot's webhook refused the event.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/dev/localasaas"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o, err := parseArgs(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pay:", err)
		}
		os.Exit(2)
	}
	if err := run(ctx, o, http.DefaultClient, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pay:", err)
		os.Exit(1)
	}
}

// options are the command's inputs.
type options struct {
	order, clientID string
	overdue         bool
	base            string // the local runner, e.g. http://127.0.0.1:8080
}

func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("pay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	order := fs.String("order", "", "the order id (the charge's externalReference) or a payment id (pay_...)")
	client := fs.String("client", "", "the brand (clientId), when several brands have an order of that id")
	overdue := fs.Bool("overdue", false, "make the charge overdue instead of paying it")
	base := fs.String("url", "", "the local runner (default: WABOT_URL, else http://127.0.0.1:${PORT:-8080})")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o := options{order: strings.TrimSpace(*order), clientID: strings.TrimSpace(*client), overdue: *overdue, base: *base}
	if o.order == "" {
		return options{}, errors.New("ORDER is required: make pay ORDER=<orderId> [CLIENT=<clientId>] [OVERDUE=1]")
	}
	if o.base == "" {
		o.base = getenv("WABOT_URL")
	}
	if o.base == "" {
		port := getenv("PORT")
		if port == "" {
			port = "8080"
		}
		o.base = "http://127.0.0.1:" + port
	}
	o.base = strings.TrimRight(o.base, "/")
	return o, nil
}

func run(ctx context.Context, o options, client *http.Client, stdout io.Writer) error {
	action := "pay"
	if o.overdue {
		action = "overdue"
	}
	url := o.base + localasaas.MountPath + localasaas.DefaultControlPrefix + "/" + action
	body, _ := json.Marshal(map[string]string{"payment": o.order, "clientId": o.clientID})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("-url %q: %w", o.base, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("nothing answers at %s: start `make dev` first (%v)", o.base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Errors []struct{ Code, Description string } `json:"errors"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && len(e.Errors) > 0 {
			msg = e.Errors[0].Description
		}
		switch resp.StatusCode {
		case http.StatusNotFound:
			if len(e.Errors) == 0 { // not the provider's answer: not mounted there
				return fmt.Errorf("%s answered 404: is it `make dev` with the local payment provider?", url)
			}
			return fmt.Errorf("order %s has no charge at the local payment provider (did the customer choose PIX and get a payment link?)", o.order)
		case http.StatusConflict:
			return fmt.Errorf("order %s: %s", o.order, msg)
		}
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, msg)
	}
	var out localasaas.Outcome
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("%s did not answer the local payment provider's JSON: %w", url, err)
	}
	return report(stdout, o.order, out)
}

// report prints the outcome in two lines, and fails when a webhook was not accepted.
func report(w io.Writer, order string, out localasaas.Outcome) error {
	p := out.Payment
	ref := order
	if p.ExternalReference != "" && p.ExternalReference != order {
		ref = p.ExternalReference + " (" + order + ")"
	}
	fmt.Fprintf(w, "order %s of %s: charge %s of R$ %s (%s) is now %s\n",
		ref, out.ClientID, p.ID, strings.Replace(fmt.Sprintf("%.2f", p.Value), ".", ",", 1), p.BillingType, p.Status)
	var failed []string
	var parts []string
	for _, d := range out.Deliveries {
		switch {
		case d.Skipped:
			parts = append(parts, d.Event+" not sent (the brand's account has no webhook URL)")
			failed = append(failed, d.Event)
		case d.Delivered:
			parts = append(parts, fmt.Sprintf("%s delivered: HTTP %d", d.Event, d.StatusCode))
		default:
			why := d.Error
			if d.StatusCode != 0 {
				why = fmt.Sprintf("HTTP %d", d.StatusCode)
			}
			parts = append(parts, fmt.Sprintf("%s refused after %d attempt(s): %s", d.Event, d.Attempts, why))
			failed = append(failed, d.Event)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no webhook sent")
	}
	fmt.Fprintf(w, "webhook: %s\n", strings.Join(parts, "; "))
	if len(failed) > 0 {
		return fmt.Errorf("the bot did not get %s: see the local runner's log", strings.Join(failed, ", "))
	}
	return nil
}
