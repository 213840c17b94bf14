package domain_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

func TestConversion(t *testing.T) {
	for _, c := range []struct {
		conv, orders int64
		want         float64
	}{
		{0, 0, 0}, {0, 3, 0}, {4, 1, 0.25}, {10, 10, 1}, {2, 3, 1.5},
	} {
		d := domain.DailyCounters{Counts: domain.Counts{Conversations: c.conv, Orders: c.orders}}
		if got := d.Conversion(); got != c.want {
			t.Errorf("Conversion(%d orders / %d conversations) = %v, want %v", c.orders, c.conv, got, c.want)
		}
	}
}

// The metrics day is São Paulo's calendar day.
func TestMetricsDay(t *testing.T) {
	for utc, want := range map[string]string{
		"2026-03-15T02:59:59Z": "2026-03-14", // 23:59:59 in São Paulo
		"2026-03-15T03:00:00Z": "2026-03-15",
		"2026-12-31T12:00:00Z": "2026-12-31",
		"2027-01-01T02:00:00Z": "2026-12-31",
	} {
		at, _ := time.Parse(time.RFC3339, utc)
		if got := domain.MetricsDay(at); got != want {
			t.Errorf("MetricsDay(%s) = %s, want %s", utc, got, want)
		}
	}
	start, err := domain.ParseMetricsDay("day", "2026-03-14")
	if err != nil || !start.Equal(time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseMetricsDay = %v, %v; want midnight in São Paulo", start, err)
	}
	for _, bad := range []string{"", "2026-3-14", "2026-02-29", "14/03/2026", "2026-03-14T00:00:00Z"} {
		if _, err := domain.ParseMetricsDay("day", bad); domain.ErrorCode(err) != domain.EINVALID || domain.FieldsOf(err)[0].Field != "day" {
			t.Errorf("ParseMetricsDay(%q) = %v", bad, err)
		}
	}
}

func TestMetricsDayRange(t *testing.T) {
	for _, c := range []struct {
		from, to string
		days     int
		field    string
	}{
		{"2026-03-14", "2026-03-14", 1, ""},
		{"2026-02-28", "2026-03-01", 2, ""},
		{"2024-02-28", "2024-03-01", 3, ""}, // a leap year
		{"2026-01-01", "2026-04-02", 92, ""},
		{"2026-01-01", "2026-04-03", 0, "from"},
		{"2026-03-15", "2026-03-14", 0, "from"},
		{"2026-03-14", "soon", 0, "to"},
		{"2018-11-03", "2018-11-05", 3, ""}, // São Paulo had no midnight on 2018-11-04 (daylight saving began)
	} {
		days, err := domain.MetricsDayRange(c.from, c.to)
		if c.field == "" {
			if err != nil || days != c.days {
				t.Errorf("%s..%s = %d, %v; want %d days", c.from, c.to, days, err, c.days)
			}
			continue
		}
		if f := domain.FieldsOf(err); domain.ErrorCode(err) != domain.EINVALID || len(f) != 1 || f[0].Field != c.field {
			t.Errorf("%s..%s = %v, want EINVALID on %s", c.from, c.to, err, c.field)
		}
	}
}

func TestCountsValidateAndPlus(t *testing.T) {
	if err := (domain.Counts{Orders: -1}).Validate(); domain.FieldsOf(err)[0].Field != "orders" {
		t.Errorf("a negative count: %v", err)
	}
	if err := (domain.Counts{MessagesIn: 1 << 53}).Validate(); err != nil {
		t.Errorf("2^53: %v", err)
	}
	sum := domain.Counts{Orders: 1, RevenueCents: 1 << 53}.Plus(domain.Counts{Orders: 2, RevenueCents: 5})
	if sum != (domain.Counts{Orders: 3, RevenueCents: 1 << 53}) {
		t.Errorf("Plus = %+v", sum)
	}
	if !(domain.Counts{}).IsZero() || (domain.Counts{Handoffs: 1}).IsZero() {
		t.Error("IsZero")
	}
}

// Fields, Plus and Validate handle every counter of Counts: each field in turn set to a
// distinct value is listed by Fields under its dynamodbav (and json) name, added by Plus,
// and refused by Validate when negative.
func TestCountsEveryCounter(t *testing.T) {
	typ := reflect.TypeOf(domain.Counts{})
	if got := len(domain.Counts{}.Fields()); got != typ.NumField() {
		t.Errorf("Fields lists %d counters, Counts has %d", got, typ.NumField())
	}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		attr, _, _ := strings.Cut(sf.Tag.Get("dynamodbav"), ",")
		if js, _, _ := strings.Cut(sf.Tag.Get("json"), ","); js != attr {
			t.Errorf("%s: json %q and dynamodbav %q differ", sf.Name, js, attr)
		}
		var c domain.Counts
		reflect.ValueOf(&c).Elem().Field(i).SetInt(7)
		fields := c.Fields()
		if fields[i].Name != attr || fields[i].Value != 7 {
			t.Errorf("Fields()[%d] = %+v, want %s = 7", i, fields[i], attr)
		}
		for j, f := range fields {
			if j != i && f.Value != 0 {
				t.Errorf("%s set, Fields says %s = %d", sf.Name, f.Name, f.Value)
			}
		}
		if sum := c.Plus(c); reflect.ValueOf(sum).Field(i).Int() != 14 {
			t.Errorf("Plus drops %s: %+v", sf.Name, sum)
		}
		if c.IsZero() {
			t.Errorf("IsZero with %s set", sf.Name)
		}
		reflect.ValueOf(&c).Elem().Field(i).SetInt(-1)
		if err := c.Validate(); len(domain.FieldsOf(err)) != 1 || domain.FieldsOf(err)[0].Field != attr {
			t.Errorf("a negative %s: %v", sf.Name, err)
		}
	}
}

// The budget counts full-price input, output and cache writes; cache reads are left out.
func TestBudgetTokens(t *testing.T) {
	c := domain.Counts{ModelCalls: 9, ModelInputTokens: 1000, ModelOutputTokens: 200, ModelCacheReadTokens: 50000, ModelCacheWriteTokens: 3000}
	if got := c.BudgetTokens(); got != 4200 {
		t.Errorf("BudgetTokens = %d, want 4200", got)
	}
	if got := (domain.Counts{ModelInputTokens: 1 << 53, ModelOutputTokens: 1 << 53}).BudgetTokens(); got != 1<<53 {
		t.Errorf("BudgetTokens saturates at 2^53, got %d", got)
	}
}
