package conversation

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Every text's arguments are described, one per verb, with a sample of the verb's kind, and
// every version of a text takes the same verbs.
func TestCatalogArguments(t *testing.T) {
	t.Parallel()
	for id := range textArgs {
		if _, ok := catalog[id]; !ok {
			t.Errorf("textArgs describes %s, which is not in the catalog", id)
		}
	}
	for id, versions := range catalog {
		verbs := catalogVerbs[id]
		for lang, f := range versions {
			v, err := verbsOf(f)
			if err != nil || !slices.Equal(v, verbs) {
				t.Errorf("%s/%s takes %q (%v), pt-BR takes %q", id, lang, v, err, verbs)
			}
		}
		args := textArgs[id]
		if len(args) != len(verbs) {
			t.Errorf("%s: %d verbs, %d described arguments", id, len(verbs), len(args))
			continue
		}
		for i, a := range args {
			if strings.TrimSpace(a.desc) == "" {
				t.Errorf("%s: argument %d has no description", id, i)
			}
			_, isInt := a.sample(nil, domain.PtBR).(int)
			if isInt != (verbs[i] == 'd') {
				t.Errorf("%s: argument %d (%s) is %%%c, its sample %T", id, i, a.desc, verbs[i], a.sample(nil, domain.PtBR))
			}
		}
	}
}

// The exported catalog is complete, sorted, and previews render without a fmt error.
func TestTextCatalogAndPreview(t *testing.T) {
	t.Parallel()
	infos := TextCatalog()
	if len(infos) != len(catalog) {
		t.Fatalf("TextCatalog has %d texts, the catalog %d", len(infos), len(catalog))
	}
	for i, info := range infos {
		if i > 0 && infos[i-1].ID >= info.ID {
			t.Errorf("not sorted at %s", info.ID)
		}
		if len(info.Args) != len(info.Verbs) || len(info.Defaults) != len(Languages) {
			t.Errorf("%s: %d args, %d verbs, %d defaults", info.ID, len(info.Args), len(info.Verbs), len(info.Defaults))
		}
		for _, lang := range Languages {
			got, err := PreviewText(&domain.Client{ClientName: "Pizzaria Demo"}, string(lang), info.ID)
			if err != nil || got == "" || strings.Contains(got, "%!") {
				t.Errorf("PreviewText(%s, %s) = %q, %v", lang, info.ID, got, err)
			}
		}
	}
	var choose TextInfo
	for _, info := range infos {
		if info.ID == "choose_store" {
			choose = info
		}
	}
	if !slices.Equal(choose.Verbs, []string{"%s", "%s"}) || !slices.Equal(choose.Args, []string{"brand name", "numbered list of the stores, one per line"}) {
		t.Errorf("choose_store: %+v", choose)
	}
	c := &domain.Client{ClientName: "Pizzaria Demo", Texts: map[string]map[domain.Language]string{
		"choose_store": {domain.PtBR: "Oi! Aqui é a %s 🍕 Escolha:\n%s"},
	}}
	got, err := PreviewText(c, "pt-br", "choose_store")
	if err != nil || !strings.HasPrefix(got, "Oi! Aqui é a Pizzaria Demo 🍕 Escolha:\n1. Centro — Rua XV de Novembro, 100") || !strings.Contains(got, "\n2. Paulista") {
		t.Errorf("preview of the override = %q, %v", got, err)
	}
	if got, _ := PreviewText(c, "en-US", "choose_store"); !strings.HasPrefix(got, "Hi! Welcome to Pizzaria Demo.") {
		t.Errorf("en-US has no override: preview %q, want the default", got)
	}
	if got, _ := PreviewText(c, "pt-BR", "below_minimum"); !strings.Contains(got, "R$ 30,00") {
		t.Errorf("below_minimum preview %q has no sample amount", got)
	}
	if _, err := PreviewText(c, "pt-BR", "nope"); !domain.IsNotFound(err) {
		t.Errorf("unknown id: %v, want ENOTFOUND", err)
	}
	if _, err := PreviewText(c, "fr-FR", "handoff"); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("unknown language: %v, want EINVALID", err)
	}
}

func TestValidateTexts(t *testing.T) {
	t.Parallel()
	ok := map[string]map[domain.Language]string{
		"choose_store":  {domain.PtBR: "Bem-vindo à %s! Lojas:\n%s", domain.EnUS: "Welcome to %s:\n%s"},
		"handoff":       {domain.EnUS: "Our %s team will answer you shortly. 100%% human!"},
		"cart_cleared":  {domain.PtBR: "Carrinho limpo."},
		"about_minutes": {domain.PtBR: ", uns %d minutinhos)"},
	}
	if err := ValidateTexts(ok); err != nil {
		t.Errorf("ValidateTexts(good) = %v", err)
	}
	if err := ValidateTexts(nil); err != nil {
		t.Errorf("ValidateTexts(nil) = %v", err)
	}
	bad := map[string]map[domain.Language]string{
		"choose_store":  {domain.PtBR: "Escolha uma loja:\n%s"},            // one argument missing
		"handoff":       {domain.EnUS: "Our team will answer. 100% human"}, // a lone %
		"about_minutes": {domain.PtBR: ", uns %s minutinhos)"},             // %s for a %d
		"store_intro":   {domain.PtBR: "Loja %s (%s) %s"},                  // one too many
		"opt_out":       {domain.PtBR: "%[1]s"},                            // an index
		"cart_cleared":  {"es-ES": "Carrito vacío.", domain.EnUS: "   "},   // language, blank
		"no_such_text":  {domain.PtBR: "x"},                                // unknown id
		"thanks":        {},                                                // no language
		"hello":         {domain.PtBR: strings.Repeat("o", domain.MaxTextOverride+1)},
		"pickup_at":     {domain.EnUS: "Pick up at %s (%d)"}, // kinds out of order
	}
	err := ValidateTexts(bad)
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("ValidateTexts(bad) = %v, want EINVALID", err)
	}
	got := map[string]string{}
	for _, f := range domain.FieldsOf(err) {
		got[f.Field] = f.Message
	}
	want := map[string]string{
		"texts.choose_store.pt-BR":  "exactly %s (brand name), %s (numbered list of the stores, one per line)",
		"texts.handoff.en-US":       "%% for a percent sign",
		"texts.about_minutes.pt-BR": "exactly %d (estimated delivery time in minutes)",
		"texts.store_intro.pt-BR":   "exactly %s (store name), %s (store address)",
		"texts.opt_out.pt-BR":       "%[ is not an argument",
		"texts.cart_cleared.es-ES":  "not supported",
		"texts.cart_cleared.en-US":  "empty",
		"texts.no_such_text.pt-BR":  `no text "no_such_text"`,
		"texts.thanks":              "at least one language",
		"texts.hello.pt-BR":         "longer than 1024",
		"texts.pickup_at.en-US":     "exactly %s (store name), %s (store address)",
	}
	for f, msg := range want {
		if !strings.Contains(got[f], msg) {
			t.Errorf("%s: message %q, want it to contain %q", f, got[f], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want %d", got, len(want))
	}

	var many = map[string]map[domain.Language]string{}
	for id := range catalog {
		if len(catalogVerbs[id]) == 0 {
			many[string(id)] = map[domain.Language]string{domain.PtBR: strings.Repeat("x", 500), domain.EnUS: strings.Repeat("y", 500)}
		}
	}
	if fs := domain.FieldsOf(ValidateTexts(many)); len(fs) != 1 || fs[0].Field != "texts" || !strings.Contains(fs[0].Message, "more than") {
		t.Errorf("a total over the cap: %v", fs)
	}
}

// The engine renders the brand's override in its language, and ignores one whose verbs do not
// match (stored around the admin API), rather than sending "%!s(MISSING)".
func TestTextOverrideRendering(t *testing.T) {
	t.Parallel()
	c := &domain.Client{ClientName: "Pizzaria", DefaultLanguage: domain.PtBR, Texts: map[string]map[domain.Language]string{
		"handoff":       {domain.PtBR: "Já chamei a equipe da %s! 100%% humano."},
		"no_menu":       {domain.PtBR: "Sem cardápio na %s e %s"},
		"opt_out":       {domain.EnUS: "Bye from %s"},
		"help_intro":    {domain.PtBR: "  "},
		"about_minutes": {domain.PtBR: ", %s)"},
	}}
	for _, tc := range []struct {
		lang domain.Language
		id   textID
		args []any
		want string
	}{
		{domain.PtBR, txtHandoff, []any{"Centro"}, "Já chamei a equipe da Centro! 100% humano."},
		{domain.PtBR, txtNoMenu, []any{"Centro"}, "Desculpe, a loja Centro ainda não tem cardápio"},
		{domain.PtBR, txtOptOut, []any{"Pizzaria"}, "Tudo bem! Você não receberá mais mensagens de Pizzaria."},
		{domain.EnUS, txtOptOut, []any{"Pizzaria"}, "Bye from Pizzaria"},
		{domain.PtBR, txtHelpIntro, nil, "Posso te ajudar assim:"},
		{domain.PtBR, txtAboutMinutes, []any{45}, ", cerca de 45 min)"},
	} {
		if got := textIn(c, tc.lang, tc.id, tc.args...); !strings.HasPrefix(got, tc.want) {
			t.Errorf("textIn(%s, %s) = %q, want %q", tc.lang, tc.id, got, tc.want)
		}
	}
	if got := text(c, txtHandoff, "Centro"); !strings.HasPrefix(got, "Já chamei") {
		t.Errorf("text uses the brand's language: %q", got)
	}
	// In the flow: a whole reply built from overridden pieces.
	c.Texts["closed"] = map[domain.Language]string{domain.PtBR: "Fechados! A %s abre %s, %s."}
	c.Texts["tomorrow"] = map[domain.Language]string{domain.PtBR: "amanhã cedinho"}
	f := &flow{t: turn{client: c}, lang: domain.PtBR}
	if got := f.tx(txtClosed, "Centro", dayName(c, domain.PtBR, time.Date(2025, 3, 7, 20, 0, 0, 0, time.UTC), time.Date(2025, 3, 8, 18, 0, 0, 0, time.UTC)), "18:00"); got != "Fechados! A Centro abre amanhã cedinho, 18:00." {
		t.Errorf("closed = %q", got)
	}
}

// A redelivered customer message sends again only the bot's replies recorded after it, not a
// person's message that followed them.
func TestRecordedStopsAtAnOperatorMessage(t *testing.T) {
	t.Parallel()
	c := &domain.Conversation{MessageHistory: []domain.HistoryEntry{
		{Direction: domain.Inbound, Body: "oi", MessageSid: "SM1"},
		{Direction: domain.Outbound, Body: "Olá!"},
		{Direction: domain.Outbound, Body: "Falo com a equipe", MessageSid: OperatorMessageSid},
		{Direction: domain.Outbound, Body: "bot again"},
	}}
	_, replies, ok := recorded(c, []domain.InboundMessage{{MessageSid: "SM1"}})
	if !ok || !slices.Equal(replies, []string{"Olá!"}) {
		t.Errorf("recorded = %q, %v; want only the bot's reply", replies, ok)
	}
}

// How customers ask to erase their data, and what is not that.
func TestWantsErasure(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"apagar meus dados", "Apagar meus dados!", "quero que voces apaguem meus dados",
		"quero que vocês apaguem meus dados", "pode excluir meu cadastro?", "deletar meus dados por favor",
		"delete my data", "erase my info", "apagr meus dadso", "exlcuir meu cadastr", "Quero que vcs apaguem todos os meus dados",
		"LGPD: apaguem tudo sobre mim", "quero excluir minhas informações", "please delete my account",
		"remove my data pls", "can you erase all my personal data?", "oi, boa noite. gostaria de excluir o meu cadastro de vcs",
		"me tira do cadastro e apaga meus dados", "esquecam meus dados", "wipe my details",
	} {
		if !wantsErasure(normalize(s)) {
			t.Errorf("wantsErasure(%q) = false", s)
		}
	}
	for _, s := range []string{
		"apagar o carrinho", "remove the coke", "apaga a coca", "pode tirar a coca", "quero pagar com cartao, precisa dos meus dados?",
		"nao apague meus dados", "don't delete my data", "meus dados de entrega estao certos?", "delete the fries",
		"pode limpar o carrinho", "tira tudo", "remove everything", "limpar carrinho", "cancela tudo", "meu cadastro ta certo?",
		"paguei, confere os dados do pix", "", "oi",
	} {
		if wantsErasure(normalize(s)) {
			t.Errorf("wantsErasure(%q) = true", s)
		}
	}
}

func TestEraseAnswer(t *testing.T) {
	t.Parallel()
	for want, bodies := range map[answer][]string{
		answerYes: {"sim", "Sim!", "SIM", "s", "pode", "pode apagar", "pode apagar sim", "confirmo", "yes", "yes please", "ok", "👍",
			"sim, pode apagar", "sim tenho certeza", "apaga tudo", "sim quero apagar", "sim por favor", "sim, apaga meus dados", "yes delete it"},
		answerNo: {"nao", "não", "Não!", "no", "nao quero", "não, deixa", "pera, nao", "cancela", "keep it", "no thanks", "sim... nao, espera"},
		answerOther: {"quero uma pizza", "pode me mandar o cardapio?", "pode fechar o pedido", "sim quero uma pizza", "oi", "qual o horario?",
			"2 cocas"},
	} {
		for _, b := range bodies {
			if got := eraseAnswer(b); got != want {
				t.Errorf("eraseAnswer(%q) = %v, want %v", b, got, want)
			}
		}
	}
}

// The step of an erasure: asked, then confirmed, with a pending await left as it was for a
// no, and nothing written or mapped for a yes.
func TestEraseStep(t *testing.T) {
	t.Parallel()
	client := &domain.Client{ClientID: "demo-pizzaria", ClientName: "Pizzaria Demo", DefaultLanguage: domain.PtBR}
	stores := []domain.Store{{ClientID: "demo-pizzaria", StoreID: "centro", StoreName: "Centro", IsActive: true}}
	now := time.Date(2025, 3, 7, 23, 0, 0, 0, time.UTC)
	phone := "whatsapp:+5511987654321"
	conv := &domain.Conversation{ClientID: "demo-pizzaria", PhoneNumber: phone, SessionID: "s1", StoreID: "centro",
		CurrentState: domain.StateCheckout, Context: map[string]string{ctxAwait: awaitConfirm}}
	tr := turn{client: client, stores: stores, mapping: &domain.PhoneMapping{StoreID: "centro"}, conv: conv, phone: phone,
		now: now, receivedAt: now, newSession: func() string { return "s2" }, canErase: true}
	say := func(tr turn, body string) outcome {
		tr.msg = domain.InboundMessage{MessageSid: "SM-" + body, From: phone, Body: body, ProfileName: "Maria"}
		return step(tr)
	}
	ask := say(tr, "quero que voces apaguem meus dados")
	if ask.kind != "erase-ask" || ask.conv == nil || ask.conv.Context[ctxEraseAsked] == "" || ask.conv.Context[ctxAwait] != awaitConfirm ||
		ask.mapping.needed(tr.mapping) || !strings.Contains(render(ask.replies), "Responda *SIM* para apagar") {
		t.Fatalf("ask: %s %+v %q", ask.kind, ask.conv, render(ask.replies))
	}
	if conv.Context[ctxEraseAsked] != "" {
		t.Error("the step changed its input")
	}
	tr.conv = ask.conv
	no := say(tr, "nao")
	if no.kind != "erase-declined" || no.conv.Context[ctxEraseAsked] != "" || no.conv.Context[ctxAwait] != awaitConfirm || no.conv.CurrentState != domain.StateCheckout {
		t.Errorf("no: %s %+v", no.kind, no.conv)
	}
	yes := say(tr, "sim, pode apagar")
	if !yes.erase || yes.eraseSid != "SM-sim, pode apagar" || yes.conv != nil || yes.mapping.needed(tr.mapping) ||
		!strings.Contains(render(yes.replies), "Seus dados em Pizzaria Demo foram apagados") {
		t.Errorf("yes: %+v", yes)
	}
	late := tr
	late.now = now.Add(eraseConfirmWindow + time.Minute)
	if o := say(late, "sim"); o.erase {
		t.Error("a yes long after the question erased")
	}
	noEraser := tr
	noEraser.conv, noEraser.canErase = conv, false
	if o := say(noEraser, "apagar meus dados"); o.kind != "erase-unavailable" || !strings.Contains(render(o.replies), "não consigo apagar seus dados por aqui") {
		t.Errorf("without an eraser: %s %q", o.kind, render(o.replies))
	}
	// A burst that confirms and goes on: nothing after the erasure is read or recorded.
	tr.msgs = []domain.InboundMessage{
		{MessageSid: "SMa", From: phone, Body: "sim"}, {MessageSid: "SMb", From: phone, Body: "quero uma pizza"},
	}
	if o := step(tr); !o.erase || o.conv != nil || o.eraseSid != "SMa" || len(o.replies) != 1 {
		t.Errorf("burst: %+v", o)
	}
}
