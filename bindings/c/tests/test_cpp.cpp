// Tests of omskit.hpp, the C++17 wrapper: every method, errors as
// exceptions with their status, field and SKU, move-only RAII handles,
// subscriptions, and one engine shared by several threads.
//
// Built with -Wall -Wextra -Werror; run by scripts/test-c.sh under valgrind
// (shared library) and with AddressSanitizer + UBSan (static library).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include "omskit.hpp"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const char *what, int line) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::cerr << "test_cpp.cpp:" << line << ": check failed: " << what << "\n";
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

// Runs `body`, which must throw omskit::error with `want`; returns the error.
template <typename F>
std::optional<omskit::error> expect_error(F body, omskit_status want, int line) {
    try {
        body();
    } catch (const omskit::error &e) {
        check(e.status() == want, "the error has the expected status", line);
        if (e.status() != want) std::cerr << "    got " << e.status_name() << ": " << e.what() << "\n";
        check(std::string(e.what()).size() > 0 && e.json().find(omskit_status_name(want)) != std::string::npos,
              "the error has a message and JSON", line);
        return e;
    } catch (...) {
        check(false, "threw something other than omskit::error", line);
        return std::nullopt;
    }
    check(false, "did not throw", line);
    return std::nullopt;
}
#define EXPECT_ERROR(body, want) expect_error([&] { body; }, (want), __LINE__)

std::string draft(const std::string &lines, const std::string &extra = "") {
    return R"({"channel": "phone", "currency": "USD",
               "customer": {"id": "c-7", "name": "Grace Hopper", "email": "grace@example.com"},)" +
           extra + R"( "lines": )" + lines + "}";
}

void test_types() {
    static_assert(!std::is_copy_constructible_v<omskit::oms>, "oms is move-only");
    static_assert(!std::is_copy_assignable_v<omskit::oms>, "oms is move-only");
    static_assert(std::is_nothrow_move_constructible_v<omskit::oms>, "oms moves without throwing");
    static_assert(std::is_nothrow_move_assignable_v<omskit::oms>, "oms moves without throwing");
    CHECK(!omskit::version().empty());
}

void test_lifecycle() {
    auto oms = omskit::oms::in_memory();
    oms.set_hold_rules(R"([{"rule": "grand_total_above", "amount": "500", "currency": "USD"}])");
    oms.add_location("WH-EAST", "East DC", 1);
    oms.add_location("WH-WEST", "West DC", 2);
    CHECK(omskit::json_get(oms.locations(), "/1/code") == "WH-WEST");
    oms.receive_stock("TEE", "WH-EAST", 50, "PO-1");
    oms.receive_stock("LAPTOP", "WH-EAST", 3, "PO-1");
    oms.receive_stock("MUG", "WH-EAST", 5, "PO-1");
    oms.receive_stock("MUG", "WH-WEST", 20, "PO-1");

    auto order = oms.place_order(draft(R"([{"sku": "TEE", "quantity": 2, "unit_price": "19.99"}])",
                                       R"("idempotency_key": "cart-1",)"));
    const auto id = omskit::json_get(order, "/id");
    CHECK(omskit::json_get(order, "/status") == "placed");
    CHECK(omskit::json_get(order, "/totals/grand_total") == "39.98");
    CHECK(omskit::json_get(oms.order(id), "/id") == id);
    CHECK(omskit::json_get(oms.orders(), "/0/id") == id);
    CHECK(oms.orders(id, 5) == "[]");
    CHECK(omskit::json_get(oms.reservations(id), "/0/quantity") == "2");
    CHECK(oms.available("TEE") == 48);
    auto level = oms.stock_level("TEE", "WH-EAST");
    CHECK(level.on_hand == 50 && level.reserved == 2 && level.available == 48);
    CHECK(omskit::json_get(oms.stock_levels("MUG"), "/1/location") == "WH-WEST");
    CHECK(omskit::json_get(oms.stock_movements("TEE"), "/1/kind") == "reservation");
    CHECK(omskit::json_get(oms.stock_movements("TEE", std::string("WH-EAST")), "/0/kind") == "receipt");

    order = oms.edit_order(id, R"([{"op": "set_quantity", "line_id": 1, "quantity": 5},
                                  {"op": "add_line", "line": {"sku": "MUG", "quantity": 8, "unit_price": "12.50"}}])");
    CHECK(omskit::json_get(order, "/lines/1/quantity") == "8");
    CHECK(oms.available("TEE") == 45 && oms.available("MUG") == 17);
    CHECK(omskit::json_get(oms.hold_order(id, "fraud check"), "/status") == "on_hold");
    CHECK(omskit::json_get(oms.release_hold(id), "/status") == "placed");

    const auto total = omskit::json_get(oms.order(id), "/totals/grand_total");
    order = oms.record_payment(id, OMSKIT_PAYMENT_KIND_AUTHORIZATION, total, "psp-auth-9");
    CHECK(omskit::json_get(order, "/payment_status") == "authorized");
    order = oms.record_payment(id, OMSKIT_PAYMENT_KIND_CAPTURE, total, "psp-cap-9");
    CHECK(omskit::json_get(order, "/payment_status") == "paid");

    order = oms.cancel_lines(id, R"([{"line_id": 2, "quantity": 3}])", "customer wants 5 mugs");
    CHECK(omskit::json_get(order, "/lines/1/cancelled_quantity") == "3");
    CHECK(oms.available("MUG") == 20);
    order = oms.cancel_order(id, "customer changed their mind");
    CHECK(omskit::json_get(order, "/status") == "cancelled");
    CHECK(oms.available("MUG") == 25 && oms.available("TEE") == 50);

    auto laptop = oms.place_order(draft(R"([{"sku": "LAPTOP", "quantity": 1, "unit_price": "1299.00"}])"));
    CHECK(omskit::json_get(laptop, "/status") == "on_hold");

    auto results = oms.place_orders("[" + draft(R"([{"sku": "TEE", "quantity": 1, "unit_price": "1"}])") + ", " +
                                    draft(R"([{"sku": "TEE", "quantity": 99, "unit_price": "1"}])") + "]");
    CHECK(omskit::json_get(results, "/1/error/status") == "INSUFFICIENT_STOCK");
    CHECK(omskit::json_get(results, "/0/order/status") == "placed");

    oms.set_location_active("WH-WEST", false);
    CHECK(oms.available("MUG") == 5);
    oms.set_location_active("WH-WEST", true);
    oms.adjust_stock("MUG", "WH-WEST", -2, "broken");
    CHECK(oms.stock_level("MUG", "WH-WEST").on_hand == 18);

    auto events = oms.events_since(0);
    CHECK(omskit::json_get(events, "/0/kind") == "LocationAdded");
    CHECK(oms.events_since(0, 1).find("\"seq\":2") == std::string::npos);
    std::string report;
    CHECK(oms.verify_audit_chain(&report));
    CHECK(omskit::json_get(report, "/first_broken") == "null");
    CHECK(oms.verify_audit_chain());
}

void test_errors() {
    auto oms = omskit::oms::in_memory();
    oms.add_location("WH-WEST", "West DC", 1);
    oms.receive_stock("CHAIR", "WH-WEST", 12, "PO-1");
    oms.receive_stock("TEE", "WH-WEST", 50, "PO-1");
    const auto events = oms.events_since(0);

    auto e = EXPECT_ERROR(oms.place_order(draft(R"([{"sku": "TEE", "quantity": 1, "unit_price": "19.99"},
                                                    {"sku": "CHAIR", "quantity": 100, "unit_price": "89.00"}])")),
                          OMSKIT_STATUS_INSUFFICIENT_STOCK);
    CHECK(e && e->sku() == std::optional<std::string>("CHAIR"));
    CHECK(e && omskit::json_get(e->json(), "/available") == "12");
    CHECK(oms.available("TEE") == 50);
    e = EXPECT_ERROR(oms.place_order(draft(R"([{"sku": "TEE", "quantity": "2", "unit_price": "19.99"}])")),
                     OMSKIT_STATUS_VALIDATION);
    CHECK(e && e->field() == std::optional<std::string>("lines[0].quantity"));
    e = EXPECT_ERROR(oms.place_order("{not json"), OMSKIT_STATUS_INVALID_ARGUMENT);
    CHECK(e && e->field() == std::optional<std::string>("draft_json"));
    e = EXPECT_ERROR(oms.order("00000000-0000-7000-8000-000000000000"), OMSKIT_STATUS_NOT_FOUND);
    CHECK(e && !e->field() && !e->sku());
    EXPECT_ERROR(oms.order("nope"), OMSKIT_STATUS_VALIDATION);
    e = EXPECT_ERROR(oms.add_location("WH-WEST", "Again", 1), OMSKIT_STATUS_CONFLICT);
    CHECK(e && e->field() == std::optional<std::string>("code"));
    const auto id = omskit::json_get(oms.place_order(draft(R"([{"sku": "TEE", "quantity": 1, "unit_price": "1"}])")), "/id");
    EXPECT_ERROR(oms.release_hold(id), OMSKIT_STATUS_INVALID_TRANSITION);
    EXPECT_ERROR(oms.record_payment(id, OMSKIT_PAYMENT_KIND_CAPTURE, "1.001", "p"), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.record_payment(id, static_cast<omskit_payment_kind>(9), "1", "p"),
                 OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT_ERROR(oms.unsubscribe(777), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(oms.edit_order(id, "[]"), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.cancel_lines(id, R"([{"line_id": 5}])", "r"), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(oms.hold_order(id, ""), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.cancel_order(id, ""), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(oms.adjust_stock("TEE", "WH-WEST", -50, "lost"), OMSKIT_STATUS_INSUFFICIENT_STOCK);
    EXPECT_ERROR(oms.receive_stock("TEE", "WH-NOWHERE", 1, "PO"), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(oms.set_hold_rules("[{"), OMSKIT_STATUS_INVALID_ARGUMENT);
    EXPECT_ERROR(omskit::json_get("{}", "/id"), OMSKIT_STATUS_NOT_FOUND);
    EXPECT_ERROR(omskit::oms::open("/nonexistent-omskit-dir/x/shop.db"), OMSKIT_STATUS_STORAGE);
    EXPECT_ERROR(omskit::oms::connect("not a url"), OMSKIT_STATUS_VALIDATION);
    EXPECT_ERROR(omskit::oms::connect("postgresql://omskit@127.0.0.1:1/postgres"), OMSKIT_STATUS_STORAGE);
    CHECK(oms.events_since(0).size() > events.size());  // only the one order was added

    // Moves hand the handle over; a moved-from engine throws instead of crashing.
    auto other = std::move(oms);
    CHECK(other && !oms);
    CHECK(other.available("TEE") == 49);
    EXPECT_ERROR(oms.available("TEE"), OMSKIT_STATUS_INVALID_ARGUMENT);
    oms = std::move(other);
    CHECK(oms.available("TEE") == 49 && oms.get() != nullptr);
}

void test_subscriptions() {
    auto oms = omskit::oms::in_memory();
    std::vector<std::string> kinds;
    const auto id = oms.subscribe([&](const std::string &event) { kinds.push_back(omskit::json_get(event, "/kind")); });
    const auto throwing = oms.subscribe([](const std::string &) { throw std::runtime_error("ignored"); });
    oms.add_location("WH-EAST", "East DC", 1);
    oms.receive_stock("MUG", "WH-EAST", 3, "PO-1");
    CHECK(kinds.size() == 2 && kinds[0] == "LocationAdded" && kinds[1] == "StockReceived");
    oms.unsubscribe(id);
    oms.unsubscribe(throwing);
    oms.receive_stock("MUG", "WH-EAST", 3, "PO-2");
    CHECK(kinds.size() == 2);
    oms.subscribe([&](const std::string &) { kinds.push_back("again"); });  // ends with the engine
    oms.receive_stock("MUG", "WH-EAST", 1, "PO-3");
    CHECK(kinds.size() == 3);
}

void test_threads() {
    auto oms = omskit::oms::in_memory();
    oms.add_location("WH-1", "One", 1);
    oms.receive_stock("THR", "WH-1", 50, "PO");
    std::atomic<int> placed{0}, short_{0}, seen{0};
    oms.subscribe([&](const std::string &) { ++seen; });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                try {
                    oms.place_order(draft(R"([{"sku": "THR", "quantity": 1, "unit_price": "1.00"}])"));
                    ++placed;
                } catch (const omskit::error &e) {
                    if (e.status() == OMSKIT_STATUS_INSUFFICIENT_STOCK) ++short_;
                }
            }
        });
    }
    for (auto &t : threads) t.join();
    CHECK(placed == 50 && short_ == 30);
    CHECK(seen == 100);  // OrderPlaced and StockReserved per order
    CHECK(oms.available("THR") == 0);
    CHECK(oms.verify_audit_chain());
}

void test_sqlite_and_postgres() {
    char dir[] = "/tmp/omskit-cpp-test.XXXXXX";
    CHECK(mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/shop.db";
    {
        omskit_sqlite_options options{OMSKIT_SYNCHRONOUS_NORMAL, 0};
        auto oms = omskit::oms::open(path, options);
        oms.add_location("WH-EAST", "East DC", 1);
        oms.receive_stock("MUG", "WH-EAST", 4, "PO-1");
    }
    {
        auto oms = omskit::oms::open(path);
        CHECK(oms.available("MUG") == 4);
    }
    for (const char *suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    rmdir(dir);

    const char *url = std::getenv("OMSKIT_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
        std::cout << "postgres: OMSKIT_TEST_PG_URL is not set; skipping\n";
        return;
    }
    const auto schema = "omskit_cpp_" + std::to_string(getpid()) + "_" + std::to_string(std::time(nullptr));
    auto oms = omskit::oms::connect(url, schema, 2);
    oms.add_location("WH-EAST", "East DC", 1);
    oms.receive_stock("MUG", "WH-EAST", 4, "PO-1");
    const auto id = omskit::json_get(oms.place_order(draft(R"([{"sku": "MUG", "quantity": 3, "unit_price": "2"}])")), "/id");
    CHECK(oms.available("MUG") == 1);
    oms.cancel_order(id, "test");
    CHECK(oms.available("MUG") == 4 && oms.verify_audit_chain());
    std::cout << "postgres: tested (schema " << schema << ")\n";
}

}  // namespace

int main() {
    test_types();
    test_lifecycle();
    test_errors();
    test_subscriptions();
    test_threads();
    test_sqlite_and_postgres();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
