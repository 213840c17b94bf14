package understand_test

import (
	"testing"

	"github.com/wabot-platform/wabot/shared/understand"
)

func TestWithinOneEdit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"apagar", "apagar", true}, {"apagr", "apagar", true}, {"apagaar", "apagar", true}, {"apgaar", "apagar", true},
		{"exlcuir", "excluir", true}, {"dadso", "dados", true}, {"apagar", "pagar", true}, {"apagar", "agapar", false},
		{"dados", "dedas", false}, {"cadastro", "cadastr", true}, {"x", "", true}, {"ab", "ba", true}, {"abc", "cab", false},
	} {
		if got := understand.WithinEdits(c.a, c.b, 1); got != c.want {
			t.Errorf("WithinEdits(%q, %q, 1) = %v", c.a, c.b, got)
		}
	}
}
