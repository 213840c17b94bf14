package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/wabot-platform/wabot/shared/domain"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/wabot-platform/wabot/shared/dev/emulator/emulatortest"
	"github.com/wabot-platform/wabot/shared/posqueue"
	"github.com/wabot-platform/wabot/shared/posqueue/postest"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// A golden conversation: what a customer sends, a part of each reply, and what the store's
// point of sale must receive at the end. Files under testdata/golden/ (their header explains
// the format).
type golden struct {
	brand string
	turns []goldenTurn
	pos   *goldenPOS
}

type goldenTurn struct {
	line  int
	say   string
	wants []string
	// unwanted must not be in the reply ("<! ..." lines).
	unwanted []string
	// model are the scripted model's answer to this message ("~ ..." lines: tool calls,
	// then "say"); none: the message is not the model's, or the stand-in answers it.
	model []string
}

type goldenPOS struct {
	clientID, storeID    string
	subtotal, fee, total int64
	payment              string
}

func parseGolden(path string) (*golden, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g := &golden{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "brand "):
			g.brand = strings.TrimSpace(strings.TrimPrefix(line, "brand "))
		case strings.HasPrefix(line, "> "):
			g.turns = append(g.turns, goldenTurn{line: n, say: strings.TrimPrefix(line, "> ")})
		case strings.HasPrefix(line, "< "), strings.HasPrefix(line, "<! "), strings.HasPrefix(line, "~ "):
			if len(g.turns) == 0 {
				return nil, fmt.Errorf("%s:%d: a reply before any message", path, n)
			}
			t := &g.turns[len(g.turns)-1]
			switch {
			case strings.HasPrefix(line, "< "):
				t.wants = append(t.wants, strings.TrimPrefix(line, "< "))
			case strings.HasPrefix(line, "<! "):
				t.unwanted = append(t.unwanted, strings.TrimPrefix(line, "<! "))
			default:
				t.model = append(t.model, strings.TrimPrefix(line, "~ "))
			}
		case strings.HasPrefix(line, "= pos "):
			fields := strings.Fields(strings.TrimPrefix(line, "= pos "))
			ids := strings.SplitN(fields[0], "/", 2)
			if len(ids) != 2 {
				return nil, fmt.Errorf("%s:%d: want <clientId>/<storeId>", path, n)
			}
			p := &goldenPOS{clientID: ids[0], storeID: ids[1]}
			for _, kv := range fields[1:] {
				k, v, _ := strings.Cut(kv, "=")
				var err error
				switch k {
				case "subtotal":
					p.subtotal, err = strconv.ParseInt(v, 10, 64)
				case "fee":
					p.fee, err = strconv.ParseInt(v, 10, 64)
				case "total":
					p.total, err = strconv.ParseInt(v, 10, 64)
				case "payment":
					p.payment = v
				default:
					err = fmt.Errorf("unknown key %q", k)
				}
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %v", path, n, err)
				}
			}
			g.pos = p
		default:
			return nil, fmt.Errorf("%s:%d: cannot read %q", path, n, line)
		}
	}
	if g.brand == "" || len(g.turns) == 0 {
		return nil, fmt.Errorf("%s: a brand and at least one message are required", path)
	}
	return g, sc.Err()
}

// The golden conversations, end to end on the local stack over signed webhooks: each
// message gets exactly one reply containing what the transcript says, and exactly one order
// reaches the store's queue, valid against docs/pos-contract.schema.json, with the totals.
func TestGoldenConversations(t *testing.T) {
	base := stack(t)
	files, err := filepath.Glob("testdata/golden/*.txt")
	if err != nil || len(files) < 2 {
		t.Fatalf("golden transcripts: %v %v", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { playGolden(t, base, file) })
	}
}

// playGolden plays one golden transcript as a new customer and checks every reply and the
// order on the store's queue.
func playGolden(t *testing.T, base, file string) {
	t.Helper()
	g, err := parseGolden(file)
	if err != nil {
		t.Fatal(err)
	}
	from := newCustomer()
	for i, turn := range g.turns {
		if len(turn.model) > 0 {
			s, err := scriptFor(turn.say, turn.model)
			if err != nil {
				t.Fatalf("%s:%d: %v", file, turn.line, err)
			}
			router.route(turn.say, s)
		}
		say(t, base, from, g.brand, turn.say)
		reply := waitOutbox(t, base, from, i+1)[i].Body
		for _, want := range turn.wants {
			if !strings.Contains(reply, want) {
				t.Fatalf("%s:%d: %q\ngot reply:\n%s\nwant it to contain %q", file, turn.line, turn.say, reply, want)
			}
		}
		for _, bad := range turn.unwanted {
			if strings.Contains(reply, bad) {
				t.Fatalf("%s:%d: %q\ngot reply:\n%s\nwant it without %q", file, turn.line, turn.say, reply, bad)
			}
		}
		if len(turn.model) > 0 && router.callsFor(turn.say) == 0 {
			t.Fatalf("%s:%d: %q never reached the model", file, turn.line, turn.say)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if out := outboxOf(t, base, from); len(out) != len(g.turns) {
		t.Errorf("%d replies to %d messages: one reply each expected", len(out), len(g.turns))
	}
	if g.pos != nil {
		checkPOS(t, g.pos, from)
	}
}

// checkPOS checks the customer's one order on the store's queue.
func checkPOS(t *testing.T, want *goldenPOS, customer string) {
	t.Helper()
	mine := customerPOS(t, want.clientID, want.storeID, customer)
	if len(mine) != 1 {
		t.Fatalf("the store's POS got %d orders from this customer, want exactly 1", len(mine))
	}
	a := mine[0].Order.Amounts
	if a.SubtotalCents != want.subtotal || a.DeliveryFeeCents != want.fee || a.TotalCents != want.total || mine[0].Order.Payment.Status != want.payment {
		t.Errorf("POS order amounts %+v payment %s, want subtotal %d fee %d total %d payment %s",
			a, mine[0].Order.Payment.Status, want.subtotal, want.fee, want.total, want.payment)
	}
}

// customerPOS takes the customer's messages off the store's queue without consuming anyone
// else's: it receives, keeps the customer's (each validated against the contract), and makes
// every other message visible again.
func customerPOS(t *testing.T, clientID, storeID, customer string) []posqueue.Message {
	t.Helper()
	ctx := domain.NewPlatformContext(context.Background())
	q := sqs.NewFromConfig(emulatortest.Config(t))
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(resourcenames.StoreOrderQueue(resourcenames.EnvDev, clientID, storeID))})
	if err != nil {
		t.Fatal(err)
	}
	phone := strings.TrimPrefix(customer, "whatsapp:")
	var mine []posqueue.Message
	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		fresh := 0
		for _, m := range r.Messages {
			if !seen[aws.ToString(m.MessageId)] {
				fresh++
				seen[aws.ToString(m.MessageId)] = true
			}
		}
		if fresh == 0 {
			break
		}
		for _, m := range r.Messages {
			body := aws.ToString(m.Body)
			var pm posqueue.Message
			if err := json.Unmarshal([]byte(body), &pm); err != nil {
				t.Fatalf("a POS message is not JSON: %v", err)
			}
			if pm.Order.Customer.Phone != phone {
				_, _ = q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: u.QueueUrl, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
				continue
			}
			if err := postest.Validate(t, []byte(body)); err != nil {
				t.Errorf("POS message does not validate against the contract: %v\n%s", err, body)
			}
			mine = append(mine, pm)
			_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u.QueueUrl, ReceiptHandle: m.ReceiptHandle})
		}
	}
	return mine
}
