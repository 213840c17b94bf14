package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/wabot-platform/wabot/infra/config"
	"github.com/wabot-platform/wabot/infra/tenant"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Thresholds of the alarms on the runtime's EMF metrics, per 5 minutes. The worker retries a
// failed send with the message (the inbound queue redelivers it), so one failure is not yet a
// customer without an answer; five in five minutes is a pattern (a brand's credentials
// revoked, Twilio down). Twilio's rate limit is expected at peaks and retried with backoff;
// ten refusals in five minutes means the senders' throughput (docs/operations.md) is too low
// for the traffic.
const (
	TwilioSendFailuresAlarmThreshold = 5
	TwilioThrottledAlarmThreshold    = 10
)

// OperationsProps configure NewOperations.
type OperationsProps struct {
	// Settings of the environment.
	Settings config.Settings
	// Data is the environment's key and tables: the key encrypts the topic, the tables are
	// watched for throttling.
	Data DataLayer
	// Runtime is the message path the dashboard shows.
	Runtime Runtime
	// Admin is the admin API the dashboard shows (its function's errors, throttles and
	// duration); nil: no admin row.
	Admin Admin
	// Tenants are the brands, whose stores' dead-letter queues the dashboard shows.
	Tenants []tenant.TenantClient
}

// Operations is what operators watch: one alarm topic that every alarm of the stack notifies,
// the alarms that are not the runtime's own (DynamoDB throttling, Twilio failures), and the
// environment's dashboard.
type Operations interface {
	constructs.Construct
	// AlarmTopic is the SNS topic resourcenames.AlarmTopic(env), encrypted with the data key
	// and TLS-only. Operators subscribe to it (aws sns subscribe); every CloudWatch alarm of
	// the stack has it as alarm and OK action.
	AlarmTopic() awssns.ITopic
	// Dashboard is the CloudWatch dashboard "wabot-<env>".
	Dashboard() awscloudwatch.Dashboard
	// Alarms are the alarms made here (not the runtime's nor the stores').
	Alarms() []awscloudwatch.IAlarm
}

type operations struct {
	constructs.Construct
	topic     awssns.ITopic
	dashboard awscloudwatch.Dashboard
	alarms    []awscloudwatch.IAlarm
}

func (o *operations) AlarmTopic() awssns.ITopic          { return o.topic }
func (o *operations) Dashboard() awscloudwatch.Dashboard { return o.dashboard }
func (o *operations) Alarms() []awscloudwatch.IAlarm {
	return append([]awscloudwatch.IAlarm(nil), o.alarms...)
}

// NewOperations creates the alarm topic, the alarms on DynamoDB throttling and on the
// runtime's Twilio metrics, and the dashboard, and adds to the stack an aspect that makes
// the topic the alarm and OK action of every CloudWatch alarm in it: the runtime's, the
// stores' dead-letter alarms made in package tenant, and any added later.
func NewOperations(scope constructs.Construct, id string, props *OperationsProps) Operations {
	p := *props
	env := p.Settings.Env
	this := &operations{}
	constructs.NewConstruct_Override(this, scope, jsii.String(id))

	topic := awssns.NewTopic(this, jsii.String("AlarmTopic"), &awssns.TopicProps{
		TopicName:   jsii.String(resourcenames.AlarmTopic(env)),
		DisplayName: jsii.String(fmt.Sprintf("wabot %s alarms", env)),
		// Alarm texts name brands, stores and queues: encrypted like the rest of their data.
		MasterKey:  p.Data.Key(),
		EnforceSSL: jsii.Bool(true),
	})
	// CloudWatch publishes alarm state changes as the cloudwatch.amazonaws.com service: only
	// for alarms of this account (the topic policy replaces SNS's default one).
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ThisAccountsAlarms"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": *awscdk.Aws_ACCOUNT_ID()},
			"ArnLike": map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:*",
				*awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID())},
		},
	}))
	awscdk.Aspects_Of(awscdk.Stack_Of(scope)).Add(&alarmActions{topic: topic},
		&awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})

	five := awscdk.Duration_Minutes(jsii.Number(5))
	newAlarm := func(id, description string, metric awscloudwatch.IMetric, threshold float64) awscloudwatch.IAlarm {
		return awscloudwatch.NewAlarm(this, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(fmt.Sprintf("wabot %s: %s", env, description)),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			DatapointsToAlarm:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}

	// ---- DynamoDB throttling, per table ---------------------------------------------------
	// On-demand tables throttle a partition past about 1,000 writes or 3,000 reads a second,
	// or the whole table at its account quota: a hot key or a surge the worker's concurrency
	// cap did not absorb. Reads and writes together, per table, so the alarm names the table.
	tables := p.Data.Tables()
	throttles := make([]awscloudwatch.IMetric, len(tables))
	for i, t := range tables {
		throttles[i] = tableThrottles(t, five, fmt.Sprintf("%d", i))
		this.alarms = append(this.alarms, newAlarm(*t.Node().Id()+"ThrottlesAlarm",
			fmt.Sprintf("DynamoDB throttled reads or writes on %s", *t.TableName()),
			tableThrottles(t, five, ""), 1))
	}

	// ---- Twilio, from the runtime's EMF metrics (the aggregate series, no dimension) -----
	emf := func(name, stat string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(resourcenames.MetricNamespace), MetricName: jsii.String(name),
			Statistic: jsii.String(stat), Period: five,
		})
	}
	this.alarms = append(this.alarms,
		newAlarm("TwilioSendFailuresAlarm", fmt.Sprintf("at least %d sends to Twilio failed in 5 minutes (credentials, Twilio outage, rate limit)",
			TwilioSendFailuresAlarmThreshold), emf(resourcenames.MetricTwilioSendFailures, "Sum"), TwilioSendFailuresAlarmThreshold),
		newAlarm("TwilioThrottledAlarm", fmt.Sprintf("Twilio refused at least %d sends for its rate limit (429) in 5 minutes",
			TwilioThrottledAlarmThreshold), emf(resourcenames.MetricTwilioThrottled, "Sum"), TwilioThrottledAlarmThreshold),
	)

	// ---- dashboard --------------------------------------------------------------------------
	rt := p.Runtime
	perBrand := func(metric string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', 'Sum', 300)`,
				resourcenames.MetricNamespace, resourcenames.DimClientID, metric)),
			Period: five,
		})
	}
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	opts := func(stat *string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: five, Statistic: stat}
	}
	sum, max, p99 := awscloudwatch.Stats_SUM(), awscloudwatch.Stats_MAXIMUM(), awscloudwatch.Stats_Percentile(jsii.Number(99))
	dlqs := []awscloudwatch.IMetric{rt.InboundDeadLetterQueue().MetricApproximateNumberOfMessagesVisible(opts(max))}
	for _, c := range p.Tenants {
		for _, st := range c.Stores() {
			dlqs = append(dlqs, queueDepth(st.DeadLetterQueue(), five, st.ClientID()+"/"+st.StoreID()))
		}
	}
	this.dashboard = awscloudwatch.NewDashboard(this, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(fmt.Sprintf("wabot-%s", env)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				graph("Messages in and out", emf(resourcenames.MetricMessagesIn, "Sum"), emf(resourcenames.MetricMessagesOut, "Sum"),
					emf(resourcenames.MetricOrders, "Sum")),
				graph("Messages in per brand", perBrand(resourcenames.MetricMessagesIn)),
				graph("Messages out per brand", perBrand(resourcenames.MetricMessagesOut)),
			},
			{
				graph("Orders per brand", perBrand(resourcenames.MetricOrders)),
				graph("Errors per brand", perBrand(resourcenames.MetricErrors)),
				graph("Twilio send failures and 429s", emf(resourcenames.MetricTwilioSendFailures, "Sum"),
					emf(resourcenames.MetricTwilioThrottled, "Sum")),
			},
			{
				graph("Function errors and throttles", rt.WebhookFunction().MetricErrors(opts(sum)), rt.WorkerFunction().MetricErrors(opts(sum)),
					rt.WebhookFunction().MetricThrottles(opts(sum)), rt.WorkerFunction().MetricThrottles(opts(sum))),
				graph("Function duration (p99)", rt.WebhookFunction().MetricDuration(opts(p99)), rt.WorkerFunction().MetricDuration(opts(p99))),
				graph("Inbound queue: oldest message (s)", rt.InboundQueue().MetricApproximateAgeOfOldestMessage(opts(max))),
			},
			{
				graph("Dead-letter queues: messages parked", dlqs...),
				graph("DynamoDB throttled requests", throttles...),
				graph("API: 5xx and latency (p99)", rt.Stage().MetricServerError(opts(sum)), rt.Stage().MetricLatency(opts(p99))),
			},
		},
	})
	if p.Admin != nil {
		fn := p.Admin.Function()
		this.dashboard.AddWidgets(
			graph("Admin function: errors and throttles", fn.MetricErrors(opts(sum)), fn.MetricThrottles(opts(sum))),
			graph("Admin function: invocations", fn.MetricInvocations(opts(sum))),
			graph("Admin function: duration (p99)", fn.MetricDuration(opts(p99))),
		)
	}

	this.topic = topic
	return this
}

// tableThrottles is the throttled reads and writes of table per period. suffix makes the
// expression's metric ids unique when several share a dashboard widget.
func tableThrottles(table awsdynamodb.ITable, period awscdk.Duration, suffix string) awscloudwatch.IMetric {
	m := func(name string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/DynamoDB"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"TableName": table.TableName()},
			Statistic:     awscloudwatch.Stats_SUM(), Period: period,
		})
	}
	// FILL: a table with no throttles publishes no data point; 0 plus nothing would be nothing.
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf("FILL(r%s, 0) + FILL(w%s, 0)", suffix, suffix)),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"r" + suffix: m("ReadThrottleEvents"),
			"w" + suffix: m("WriteThrottleEvents"),
		},
		Label:  table.TableName(),
		Period: period,
	})
}

// queueDepth is the messages visible in queue, labelled.
func queueDepth(queue awssqs.IQueue, period awscdk.Duration, label string) awscloudwatch.IMetric {
	return queue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period: period, Statistic: awscloudwatch.Stats_MAXIMUM(), Label: jsii.String(label),
	})
}

// alarmActions is an aspect that adds the alarm topic to the alarm and OK actions of every
// CloudWatch alarm it visits, keeping actions an alarm already has.
type alarmActions struct {
	topic awssns.ITopic
}

// Visit implements awscdk.IAspect. An alarm made with the L2 construct renders its actions
// lazily, so the action is added there; a bare CfnAlarm gets it in its properties.
func (a *alarmActions) Visit(node constructs.IConstruct) {
	switch n := node.(type) {
	case awscloudwatch.Alarm:
		action := awscloudwatchactions.NewSnsAction(a.topic)
		n.AddAlarmAction(action)
		n.AddOkAction(action)
	case awscloudwatch.CfnAlarm:
		if _, ok := n.Node().Scope().(awscloudwatch.Alarm); ok {
			return // its L2 alarm has it
		}
		n.SetAlarmActions(withAction(n.AlarmActions(), a.topic.TopicArn()))
		n.SetOkActions(withAction(n.OkActions(), a.topic.TopicArn()))
	}
}

// withAction returns actions with action appended, unless it is there already.
func withAction(actions *[]*string, action *string) *[]*string {
	var out []*string
	if actions != nil {
		out = append(out, *actions...)
	}
	for _, a := range out {
		if a != nil && *a == *action {
			return &out
		}
	}
	out = append(out, action)
	return &out
}
