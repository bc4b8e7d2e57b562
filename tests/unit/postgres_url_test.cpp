#include "store/postgres_url.hpp"

#include <gtest/gtest.h>

using tugra::store::postgres_keywords;

TEST(PostgresUrl, FullUrl) {
  EXPECT_EQ(postgres_keywords("postgresql://tugra:s%40cret@db.local:5433/ca?sslmode=require"),
            "user='tugra' password='s@cret' host='db.local' port='5433' dbname='ca' sslmode='require' ");
}

TEST(PostgresUrl, MinimalUrlAndQuoting) {
  EXPECT_EQ(postgres_keywords("postgresql://127.0.0.1/x"), "host='127.0.0.1' dbname='x' ");
  EXPECT_EQ(postgres_keywords("postgres://o%27neil@h/d"), "user='o\\'neil' host='h' dbname='d' ");
}
