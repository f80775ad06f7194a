package store

import (
	_ "github.com/khien-project/khien/internal/engine/scan"
	_ "github.com/khien-project/khien/internal/feature/trust"
)
