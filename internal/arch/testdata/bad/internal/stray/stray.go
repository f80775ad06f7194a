package stray

import (
	_ "github.com/khien-project/khien/internal/platform/store"
)
