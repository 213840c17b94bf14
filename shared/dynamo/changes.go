package dynamo

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wabot-platform/wabot/shared/domain"
)

// saveChanges is save that writes only what changed from prev (the item as read at v's
// version) to v: one conditional UpdateItem that SETs the top-level attributes whose value
// changed and REMOVEs those v no longer has. A list that only grew at its end (a history) is
// appended to with list_append instead of being sent whole. Attributes of the stored item that
// the type does not know are never named, so they survive. Without a usable prev it is save.
//
// DynamoDB bills an UpdateItem by the size of the whole item all the same (the larger of
// before and after): writing less saves request bytes and marshalling, not write units.
func saveChanges[T any](ctx context.Context, r *Repositories, e *entity[T], prev, v *T) error {
	if v == nil || prev == nil {
		return save(ctx, r, e, v)
	}
	version := *e.fields(v).Version
	if version == 0 || *e.fields(prev).Version != version || !slices.Equal(e.keys(prev), e.keys(v)) {
		return save(ctx, r, e, v)
	}
	if err := domain.CheckTenant(ctx, e.keys(v)[0]); err != nil {
		return err
	}
	w := *v
	now := r.clock()
	if _, err := stamp(e, &w, version+1, now); err != nil {
		return err
	}
	before, err := e.marshal(prev)
	if err != nil {
		return err
	}
	after, err := e.marshal(&w)
	if err != nil {
		return err
	}
	update, changed := diff(before, after, e.tableKeyNames())
	if !changed {
		// Nothing but the version: still written, so the version moves and a concurrent
		// turn that read the same version loses its race.
		update = expression.Set(expression.Name(attrVersion), expression.Value(version+1))
	}
	cond := versionCond(version).And(liveCond(now))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("dynamo: build update of %s: %w", e.kind, err)
	}
	if err := updateIf(ctx, r, e, e.keys(&w), expr); err != nil {
		return err
	}
	*v = w
	return nil
}

// updateIf applies expr (an update with its condition) to the item with keys; a condition
// that does not hold is ECONFLICT.
func updateIf[T any](ctx context.Context, r *Repositories, e *entity[T], keys []string, expr expression.Expression) error {
	api, err := r.api(ctx, keys[0])
	if err != nil {
		return err
	}
	_, err = api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &e.table,
		Key:                       e.key(keys),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	switch {
	case isConditionFailed(err):
		return domain.Errorf(domain.ECONFLICT, "%s changed since it was read", e.describe(keys))
	case err != nil:
		return fmt.Errorf("dynamo: update %s: %w", e.table, err)
	}
	return nil
}

// diff is the update from before to after, leaving the key attributes alone; changed is false
// when they are equal.
func diff(before, after map[string]types.AttributeValue, keyNames []string) (u expression.UpdateBuilder, changed bool) {
	names := make([]string, 0, len(after))
	for n := range after {
		names = append(names, n)
	}
	slices.Sort(names) // a stable expression, for logs and tests
	for _, n := range names {
		if slices.Contains(keyNames, n) {
			continue
		}
		a, b := after[n], before[n]
		if b != nil && reflect.DeepEqual(a, b) {
			continue
		}
		changed = true
		if tail, ok := appended(b, a); ok {
			u = u.Set(expression.Name(n), expression.ListAppend(expression.Name(n), expression.Value(tail)))
			continue
		}
		u = u.Set(expression.Name(n), expression.Value(a))
	}
	gone := make([]string, 0)
	for n := range before {
		if _, ok := after[n]; !ok && !slices.Contains(keyNames, n) {
			gone = append(gone, n)
		}
	}
	slices.Sort(gone)
	for _, n := range gone {
		changed = true
		u = u.Remove(expression.Name(n))
	}
	return u, changed
}

// appended reports whether after is the list before with entries added at its end, and
// returns those entries.
func appended(before, after types.AttributeValue) (types.AttributeValueMemberL, bool) {
	b, ok1 := before.(*types.AttributeValueMemberL)
	a, ok2 := after.(*types.AttributeValueMemberL)
	if !ok1 || !ok2 || len(b.Value) == 0 || len(a.Value) <= len(b.Value) {
		return types.AttributeValueMemberL{}, false
	}
	if !reflect.DeepEqual(a.Value[:len(b.Value)], b.Value) {
		return types.AttributeValueMemberL{}, false
	}
	return types.AttributeValueMemberL{Value: a.Value[len(b.Value):]}, true
}
