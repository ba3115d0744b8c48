package sync

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fanhook/fanhook/models"
)

// A bulk lookup joins its table to the list of keys it wants, passed as
// one parameter: a statement whose text does not depend on how many keys
// there are, so it is compiled once. A chain of 200 ORs was compiled anew
// for every batch size, and PostgreSQL took ~40 ms to plan it.
//
// The table is aliased t; key columns are text except id.

// keySetJoin is the JOIN clause matching t's keyCols to the key list.
func keySetJoin(dialect string, keyCols []string) string {
	conds := make([]string, len(keyCols))
	if dialect == models.DialectPostgres {
		types, names := make([]string, len(keyCols)), make([]string, len(keyCols))
		for i, col := range keyCols {
			types[i] = "?::" + keySQLType(col) + "[]"
			names[i] = fmt.Sprintf("k%d", i)
			conds[i] = fmt.Sprintf("t.%s = k.k%d", col, i)
		}
		return "JOIN unnest(" + strings.Join(types, ", ") + ") AS k(" + strings.Join(names, ", ") + ") ON " +
			strings.Join(conds, " AND ")
	}
	for i, col := range keyCols {
		conds[i] = fmt.Sprintf("t.%s = k.value ->> %d", col, i)
	}
	return "JOIN json_each(?) AS k ON " + strings.Join(conds, " AND ")
}

func keySQLType(col string) string {
	if col == "id" {
		return "bigint"
	}
	return "text" // provider, external_id, list_id, kind, value
}

// keySetArgs are the parameters of keySetJoin for keys (each a value per
// key column): one array per column on PostgreSQL, one JSON list of lists
// on SQLite.
func keySetArgs(dialect string, keyCols []string, keys [][]any) ([]any, error) {
	if dialect != models.DialectPostgres {
		b, err := json.Marshal(keys)
		return []any{string(b)}, err
	}
	args := make([]any, len(keyCols))
	for i, col := range keyCols {
		if keySQLType(col) == "bigint" {
			vs := make([]int64, len(keys))
			for j, k := range keys {
				n, ok := k[i].(int64)
				if !ok {
					return nil, fmt.Errorf("key %s: %T is not an id", col, k[i])
				}
				vs[j] = n
			}
			args[i] = vs
			continue
		}
		vs := make([]string, len(keys))
		for j, k := range keys {
			vs[j] = fmt.Sprint(k[i])
		}
		args[i] = vs
	}
	return args, nil
}

// idSetJoin is keySetJoin for a list of ids, with its arguments.
func idSetJoin(dialect string, ids []int64) (join string, args []any, err error) {
	keys := make([][]any, len(ids))
	for i, id := range ids {
		keys[i] = []any{id}
	}
	args, err = keySetArgs(dialect, []string{"id"}, keys)
	return keySetJoin(dialect, []string{"id"}), args, err
}
