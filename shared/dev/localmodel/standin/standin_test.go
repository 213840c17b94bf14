package standin_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/shared/dev/localmodel"
	"github.com/wabot-platform/wabot/shared/dev/localmodel/standin"
)

func user(text string) localmodel.Message {
	return localmodel.Message{Role: "user", Content: []localmodel.ContentBlock{{Text: text}}}
}

func answer(t *testing.T, msgs ...localmodel.Message) localmodel.Response {
	t.Helper()
	r, err := standin.Brain{}.Answer("m", localmodel.Request{Messages: msgs, System: []localmodel.SystemBlock{{Text: "Always answer in português do Brasil (pt-BR)"}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func toolCall(t *testing.T, r localmodel.Response) (string, map[string]any) {
	t.Helper()
	if r.Output.Message == nil || len(r.Output.Message.Content) != 1 || r.Output.Message.Content[0].ToolUse == nil {
		t.Fatalf("want one tool call, got %+v", r.Output.Message)
	}
	u := r.Output.Message.Content[0].ToolUse
	var in map[string]any
	if err := json.Unmarshal(u.Input, &in); err != nil {
		t.Fatal(err)
	}
	return u.Name, in
}

// The stand-in picks its tool from the words customers use, accents and typos aside.
func TestToolFromTheMessage(t *testing.T) {
	for msg, want := range map[string]string{
		"vcs entregam no itaim?":      "store_info:delivery_area",
		"que horas voces fecham":      "store_info:hours",
		"aceita vale refeição?":       "store_info:payment_methods",
		"onde fica a loja":            "store_info:address",
		"quero falar com uma pessoa":  "ask_human:",
		"i want something spicy":      "search_menu:",
		"what's good for two people?": "search_menu:",
	} {
		name, in := toolCall(t, answer(t, user(msg)))
		topic, _ := in["topic"].(string)
		if got := name + ":" + topic; got != want {
			t.Errorf("%q: %s, want %s", msg, got, want)
		}
	}
}

// After a search, an order adds the first item found (with the size said); a question gets
// the list; after any other tool, the engine's own message to the customer is the answer.
func TestAfterTheTools(t *testing.T) {
	search := localmodel.Message{Role: "assistant", Content: []localmodel.ContentBlock{{ToolUse: &localmodel.ToolUse{ToolUseID: "search_menu-1", Name: "search_menu", Input: json.RawMessage(`{}`)}}}}
	found := localmodel.Message{Role: "user", Content: []localmodel.ContentBlock{{ToolResult: &localmodel.ToolResult{ToolUseID: "search_menu-1",
		Content: []localmodel.ToolResultContent{{Text: "Items:\n- Calabresa — Média R$ 42,00 · Grande R$ 52,00"}}}}}}
	name, in := toolCall(t, answer(t, user("quero uma de linguica grande"), search, found))
	if name != "add_item" || in["item"] != "Calabresa" || in["size"] != "grande" {
		t.Errorf("after a search for an order: %s %v", name, in)
	}
	r := answer(t, user("o que tem de linguica?"), search, found)
	if txt := r.Output.Message.Content[0].Text; !strings.Contains(txt, "Calabresa — Média R$ 42,00") {
		t.Errorf("after a search for a question: %q", txt)
	}
	info := localmodel.Message{Role: "assistant", Content: []localmodel.ContentBlock{{ToolUse: &localmodel.ToolUse{ToolUseID: "store_info-1", Name: "store_info", Input: json.RawMessage(`{}`)}}}}
	said := localmodel.Message{Role: "user", Content: []localmodel.ContentBlock{{ToolResult: &localmodel.ToolResult{ToolUseID: "store_info-1",
		Content: []localmodel.ToolResultContent{{Text: "ok\nThe system's message to the customer (its amounts are the right ones):\n🛵 Entrega: taxa R$ 7,99.\nState: CART; cart subtotal R$ 0,00."}}}}}}
	if txt := answer(t, user("entregam?"), info, said).Output.Message.Content[0].Text; txt != "🛵 Entrega: taxa R$ 7,99." {
		t.Errorf("after store_info: %q", txt)
	}
}
