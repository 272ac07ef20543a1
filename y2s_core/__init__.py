"""YouTube2Sheets core: resolve channels, fetch videos at the least quota, filter, measure, upsert to sheets."""
