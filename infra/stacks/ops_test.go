package stacks_test

import (
	"strings"
	"testing"

	"github.com/wabot-platform/wabot/infra/internal/cdktest"
	"github.com/wabot-platform/wabot/infra/stacks"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Every table has an alarm on its throttled reads and writes: one math expression over
// ReadThrottleEvents and WriteThrottleEvents of that table.
func TestEveryTableHasAThrottlingAlarm(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, _ string) {
		for _, tb := range fx.stack.Data().Tables() {
			id := fx.logicalID(t, tb)
			found := false
			for _, a := range fx.resourcesOf(alarmType) {
				m := cdktest.JSON(t, props(a)["Metrics"])
				if strings.Contains(m, `"ReadThrottleEvents"`) && strings.Contains(m, `"WriteThrottleEvents"`) &&
					strings.Contains(m, `{"Name":"TableName","Value":{"Ref":"`+id+`"}}`) && props(a)["Threshold"] == float64(1) {
					found = true
				}
			}
			if !found {
				t.Errorf("table %s has no throttling alarm", *tb.Node().Id())
			}
		}
	})
}

// Twilio's failures and 429s are alarmed on the runtime's aggregate EMF series (no dimension).
func TestTwilioAlarmsOnTheAggregateEMFSeries(t *testing.T) {
	fx := envFixture(t, resourcenames.EnvProd)
	for metric, threshold := range map[string]int{
		resourcenames.MetricTwilioSendFailures: stacks.TwilioSendFailuresAlarmThreshold,
		resourcenames.MetricTwilioThrottled:    stacks.TwilioThrottledAlarmThreshold,
	} {
		n := 0
		for _, a := range fx.resourcesOf(alarmType) {
			p := props(a)
			if p["Namespace"] == resourcenames.MetricNamespace && p["MetricName"] == metric {
				n++
				if p["Dimensions"] != nil || p["Statistic"] != "Sum" || p["Threshold"] != float64(threshold) {
					t.Errorf("%s alarm: %v, want Sum over no dimension, threshold %d", metric, p, threshold)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d alarms on %s, want 1", n, metric)
		}
	}
}

func TestDashboardShowsTheKeyWidgets(t *testing.T) {
	forEachEnv(t, func(t *testing.T, fx *fixture, env string) {
		dashboards := fx.resourcesOf("AWS::CloudWatch::Dashboard")
		if len(dashboards) != 1 {
			t.Fatalf("%d dashboards, want 1", len(dashboards))
		}
		for _, d := range dashboards {
			if got := props(d)["DashboardName"]; got != "wabot-"+env {
				t.Errorf("dashboard name %v, want wabot-%s", got, env)
			}
			body := cdktest.JSON(t, props(d)["DashboardBody"])
			for _, want := range []string{
				resourcenames.MetricMessagesIn, resourcenames.MetricMessagesOut, resourcenames.MetricOrders, resourcenames.MetricErrors,
				`SEARCH('{` + resourcenames.MetricNamespace + `,` + resourcenames.DimClientID + `} MetricName=\\\"` + resourcenames.MetricErrors,
				"ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible", "ReadThrottleEvents", `\"5xx\"`, `\"Latency\"`,
				`\"Duration\"`, `\"Errors\"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("dashboard body lacks %s", want)
				}
			}
		}
	})
}
