package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseArgs(t *testing.T) {
	o, err := parseArgs([]string{"-store", "demo-burger/vila-madalena"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.clientID != "demo-burger" || o.storeID != "vila-madalena" || o.env != "dev" || o.endpoint != "http://127.0.0.1:4566" {
		t.Errorf("options = %+v", o)
	}
	o, err = parseArgs([]string{"-store", "demo-burger/vila-madalena"}, env(map[string]string{"WABOT_EMULATOR_PORT": "4999"}), io.Discard)
	if err != nil || o.endpoint != "http://127.0.0.1:4999" {
		t.Errorf("with WABOT_EMULATOR_PORT: %+v, %v", o, err)
	}
	o, err = parseArgs([]string{"-store", "demo-burger/vila-madalena"}, env(map[string]string{"WABOT_AWS_ENDPOINT": "http://127.0.0.1:5000/", "WABOT_EMULATOR_PORT": "4999"}), io.Discard)
	if err != nil || o.endpoint != "http://127.0.0.1:5000" {
		t.Errorf("with WABOT_AWS_ENDPOINT: %+v, %v", o, err)
	}
	for _, args := range [][]string{
		nil,
		{"-store", ""},
		{"-store", "demo-burger"},
		{"-store", "demo-burger/"},
		{"-store", "Demo-Burger/vila-madalena"},
		{"-store", "demo-burger/vila/madalena"},
		{"-store", "demo-burger/vila-madalena", "extra"},
		{"-store", "demo-burger/vila-madalena", "-env", "qa"},
	} {
		if _, err := parseArgs(args, env(nil), io.Discard); err == nil {
			t.Errorf("parseArgs(%q) succeeded, want an error", args)
		}
	}
}

// body is an order event of a store, as the publisher writes it (abridged).
func body(client, store, order string) string {
	return `{"schemaVersion":"1.0","eventId":"` + order + `:order.confirmed","clientId":"` + client + `","storeId":"` + store + `","order":{"orderId":"` + order + `"}}`
}

func msg(id, b, group, dedup string, sent int64, received int) map[string]any {
	return map[string]any{"id": id, "body": b, "group_id": group, "deduplication_id": dedup, "sent_timestamp": sent, "approximate_receive_count": received, "visible": true}
}

// The dump as moto 5.2.5 writes it: every message object, including receive copies and
// duplicates SQS discarded, of every queue.
func TestSelectMessages(t *testing.T) {
	const t0 = int64(1_773_517_325_000)
	messages := []map[string]any{
		msg("m1", body("demo-burger", "vila-madalena", "ORDER1"), "ORDER1", "ORDER1:order.confirmed", t0, 1),
		msg("m2", body("demo-burger", "vila-madalena", "ORDER1"), "ORDER1", "ORDER1:order.confirmed", t0+2_000, 0), // a duplicate SQS discarded
		msg("m3", body("demo-burger", "pinheiros", "ORDER2"), "ORDER2", "ORDER2:order.confirmed", t0+3_000, 0),     // another store
		msg("m4", `{"v":1,"clientId":"demo-burger","from":"whatsapp:+5511987654321"}`, "demo-burger|x", "SM1", t0, 0),
		msg("m5", "not json", "g", "d", t0, 0),
		msg("m1", body("demo-burger", "vila-madalena", "ORDER1"), "ORDER1", "ORDER1:order.confirmed", t0, 1), // the copy a receive made
		msg("m6", body("demo-burger", "vila-madalena", "ORDER3"), "ORDER3", "ORDER3:order.confirmed", t0+1_000, 0),
		msg("m7", body("demo-burger", "vila-madalena", "ORDER1"), "ORDER1", "ORDER1:order.confirmed", t0+6*60_000, 0), // past the window: delivered again
	}
	dump, err := json.Marshal(map[string]any{"sqs": map[string]any{"Message": messages, "Queue": []any{}}, "dynamodb": map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := selectMessages(dump, "demo-burger", "vila-madalena")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID)
	}
	if want := "m1,m6,m7"; strings.Join(ids, ",") != want {
		t.Errorf("selected %v, want %s", ids, want)
	}
	if _, err := selectMessages([]byte("<html>"), "demo-burger", "vila-madalena"); err == nil {
		t.Error("a dump that is not JSON was accepted")
	}
	none, err := selectMessages([]byte(`{"sqs":{}}`), "demo-burger", "vila-madalena")
	if err != nil || len(none) != 0 {
		t.Errorf("a dump without messages = %v, %v", none, err)
	}
}

func TestWrite(t *testing.T) {
	var out, errOut bytes.Buffer
	msgs := []dumpMessage{
		{ID: "m1", Body: body("demo-burger", "vila-madalena", "ORDER1"), GroupID: "ORDER1", DedupID: "ORDER1:order.confirmed", SentTimestamp: 1_773_517_325_000, ReceiveCount: 1},
		{ID: "m2", Body: body("demo-burger", "vila-madalena", "ORDER2"), GroupID: "ORDER2", DedupID: "ORDER2:order.confirmed", SentTimestamp: 1_773_517_326_000},
	}
	if err := write(&out, &errOut, msgs); err != nil {
		t.Fatal(err)
	}
	// stdout is a stream of pretty JSON documents, nothing else.
	dec := json.NewDecoder(&out)
	var n int
	for dec.More() {
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("stdout is not a stream of JSON documents: %v", err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d documents on stdout, want 2", n)
	}
	if !strings.Contains(errOut.String(), "group ORDER1  deduplication ORDER1:order.confirmed  received 1 time(s)") ||
		!strings.Contains(errOut.String(), "sent 2026-03-14T19:42:05Z") {
		t.Errorf("stderr = %q", errOut.String())
	}
	var pretty bytes.Buffer
	_ = write(&pretty, io.Discard, msgs[:1])
	if !strings.HasPrefix(pretty.String(), "{\n  \"schemaVersion\": \"1.0\",\n") {
		t.Errorf("stdout is not indented:\n%s", pretty.String())
	}
}
