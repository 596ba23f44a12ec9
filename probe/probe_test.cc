#include <gtest/gtest.h>
#include "probe/probe.h"
#include "probe/wire.h"
TEST(Targets, Basic) { EXPECT_TRUE(kensa::probe::is_private(*kensa::probe::parse_ipv4("10.1.2.3"))); }
