package conversation

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
)

// A brand's own texts (seed 4.3, custom messages): domain.Client.Texts overrides any text of
// the catalog per language. The admin API shows the catalog (TextCatalog), checks overrides
// before saving them (ValidateTexts) and previews them (PreviewText); the engine renders every
// text through textIn, which takes the brand's override when there is a valid one.

// TextInfo describes one text of the catalog for operators.
type TextInfo struct {
	// ID is the key of the text in domain.Client.Texts.
	ID string `json:"id"`
	// Args says what each argument of the text is, in order.
	Args []string `json:"args"`
	// Verbs are the fmt verbs the text takes its arguments with, in order ("%s", "%d"): an
	// override must have the same ones in the same order. "%%" writes a percent sign.
	Verbs []string `json:"verbs"`
	// Defaults are the platform's versions, by language.
	Defaults map[domain.Language]string `json:"defaults"`
}

// Languages are the languages a text can be overridden in: those the platform speaks.
var Languages = []domain.Language{domain.PtBR, domain.EnUS}

// TextCatalog lists every text a brand can override, ordered by id.
func TextCatalog() []TextInfo {
	out := make([]TextInfo, 0, len(catalog))
	for id, versions := range catalog {
		info := TextInfo{ID: string(id), Args: []string{}, Verbs: []string{}, Defaults: map[domain.Language]string{}}
		for _, a := range textArgs[id] {
			info.Args = append(info.Args, a.desc)
		}
		for _, v := range catalogVerbs[id] {
			info.Verbs = append(info.Verbs, "%"+string(v))
		}
		for lang, f := range versions {
			info.Defaults[lang] = f
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// catalogVerbs are the verbs of each text of the catalog (of its pt-BR version; a test checks
// that every version has the same).
var catalogVerbs = func() map[textID][]byte {
	m := make(map[textID][]byte, len(catalog))
	for id, versions := range catalog {
		v, err := verbsOf(versions[domain.PtBR])
		if err != nil {
			panic(fmt.Sprintf("conversation: text %s: %v", id, err))
		}
		m[id] = v
	}
	return m
}()

// verbsOf returns the verbs of the fmt format f in order: 's' and 'd', the only ones texts
// use. "%%" is a percent sign; anything else after a "%" (another verb, a flag, a width, an
// argument index, or nothing) is an error, so an override can never render "%!s(MISSING)"
// or "%!(EXTRA ...)" to a customer.
func verbsOf(f string) ([]byte, error) {
	var verbs []byte
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		if i+1 == len(f) {
			return nil, fmt.Errorf("a %% at the end: write %%%% for a percent sign")
		}
		i++
		switch c := f[i]; c {
		case '%':
		case 's', 'd':
			verbs = append(verbs, c)
		default:
			r, _ := utf8.DecodeRuneInString(f[i:])
			return nil, fmt.Errorf("%%%c is not an argument: use %%s or %%d as the default text does, or %%%% for a percent sign", r)
		}
	}
	return verbs, nil
}

// describeVerbs says "%s (store name), %d (minutes)" or "no argument".
func describeVerbs(id textID) string {
	v := catalogVerbs[id]
	if len(v) == 0 {
		return "no argument"
	}
	parts := make([]string, len(v))
	for i, c := range v {
		parts[i] = "%" + string(c)
		if args := textArgs[id]; i < len(args) {
			parts[i] += " (" + args[i].desc + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// ValidateTexts checks a brand's text overrides (domain.Client.Texts) against the catalog:
// known ids, supported languages (exactly "pt-BR" or "en-US"), not blank, at most
// domain.MaxTextOverride characters each and domain.MaxTextOverrides in all, and the same
// verbs as the default text, in the same order. It returns nil or a domain.Invalid naming
// every bad field as "texts.<id>.<lang>" ("texts.<id>" for an id without languages, "texts"
// for the total). domain.Client.Validate only bounds the sizes: the catalog lives here.
func ValidateTexts(texts map[string]map[domain.Language]string) error {
	var fields []domain.FieldError
	bad := func(field, format string, args ...any) {
		fields = append(fields, domain.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	total := 0
	for id, versions := range texts {
		_, known := catalog[textID(id)]
		if len(versions) == 0 {
			if known {
				bad("texts."+id, "give the text in at least one language, or leave the id out")
			} else {
				bad("texts."+id, "there is no text %q", id)
			}
			continue
		}
		for lang, s := range versions {
			field := "texts." + id + "." + string(lang)
			n := utf8.RuneCountInString(s)
			total += n
			switch {
			case !known:
				bad(field, "there is no text %q", id)
			case !slices.Contains(Languages, lang):
				bad(field, "language %q is not supported: use pt-BR or en-US", lang)
			case strings.TrimSpace(s) == "":
				bad(field, "the text is empty: leave it out to use the default")
			case n > domain.MaxTextOverride:
				bad(field, "longer than %d characters", domain.MaxTextOverride)
			default:
				v, err := verbsOf(s)
				switch {
				case err != nil:
					bad(field, "%v", err)
				case !slices.Equal(v, catalogVerbs[textID(id)]):
					bad(field, "the text must take exactly %s, in this order", describeVerbs(textID(id)))
				}
			}
		}
	}
	if total > domain.MaxTextOverrides {
		bad("texts", "the overrides add up to %d characters, more than %d", total, domain.MaxTextOverrides)
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	return domain.Invalid(fields)
}

// PreviewText renders the text id in lang as the brand's customers would see it (its
// override, if any, else the default) with sample arguments: a store name and address, a
// numbered store list, amounts such as "R$ 52,00". ENOTFOUND for an unknown id, EINVALID for
// an unsupported language.
func PreviewText(client *domain.Client, lang, id string) (string, error) {
	l, err := domain.ParseLanguage(lang)
	if err != nil {
		return "", domain.InvalidField("lang", "%s", domain.ErrorMessage(err))
	}
	tid := textID(id)
	if _, ok := catalog[tid]; !ok {
		return "", domain.Errorf(domain.ENOTFOUND, "there is no text %q", id)
	}
	args := make([]any, 0, len(textArgs[tid]))
	for _, a := range textArgs[tid] {
		args = append(args, a.sample(client, l))
	}
	return textIn(client, l, tid, args...), nil
}
