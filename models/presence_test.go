package models_test

import (
	"context"
	"testing"

	"github.com/fanhook/fanhook/models"
	"github.com/fanhook/fanhook/models/storetest"
)

// A store sees another store on its SQLite file while that one is open,
// and never itself; asking does not lose its own hold on the file.
func TestOpenElsewhereSeesOtherStoresOfTheFile(t *testing.T) {
	store := storetest.Open(t, models.DialectSQLite)
	elsewhere := func(s *models.Store) bool {
		t.Helper()
		seen, err := s.OpenElsewhere()
		if err != nil {
			t.Fatal(err)
		}
		return seen
	}
	for range 2 {
		if elsewhere(store) {
			t.Fatal("a store alone on its file sees another")
		}
	}
	other, err := models.Open(context.Background(), store.URL, models.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if !elsewhere(store) || !elsewhere(other) {
			t.Fatal("two stores open on one file do not see each other")
		}
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if elsewhere(store) {
		t.Fatal("a store still sees another after it closed")
	}
}

func TestOpenElsewhereIsFalseOnPostgres(t *testing.T) {
	store := storetest.Open(t, models.DialectPostgres)
	if seen, err := store.OpenElsewhere(); err != nil || seen {
		t.Fatalf("OpenElsewhere on PostgreSQL = %v, %v; want false, nil", seen, err)
	}
}
