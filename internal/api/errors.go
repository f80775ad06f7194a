package api

import "github.com/khien-project/khien/internal/platform/store"

var errForbidden = store.ErrForbidden
