package web

import "github.com/khien-project/khien/internal/store"

var errNotFound = store.ErrNotFound
