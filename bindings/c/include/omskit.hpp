/*
 * omskit.hpp: a header-only C++17 wrapper of omskit.h.
 *
 * - omskit::oms owns an engine handle: move-only, freed by its destructor.
 * - Every failure throws omskit::error, which carries the status, the
 *   message, the field and SKU where there are some, and the full error as
 *   JSON (see omskit_last_error_json in omskit.h).
 * - Strings are std::string; JSON documents (drafts, orders, events) stay
 *   JSON text, as in the C interface. omskit::json_get reads one value out.
 * - One omskit::oms may be used from several threads at once, as the C
 *   handle can (set_hold_rules, moves and destruction excepted).
 *
 *     #include <omskit.hpp>
 *
 *     auto oms = omskit::oms::open("shop.db");
 *     oms.add_location("WH-EAST", "East DC", 1);
 *     oms.receive_stock("MUG", "WH-EAST", 100, "PO-1");
 *     try {
 *         std::string order = oms.place_order(R"({"channel": "web", "currency": "USD",
 *             "customer": {"id": "c-42", "name": "Ada Lovelace"},
 *             "lines": [{"sku": "MUG", "quantity": 2, "unit_price": "12.50"}]})");
 *         std::string id = omskit::json_get(order, "/id");
 *         oms.cancel_order(id, "customer changed their mind");
 *     } catch (const omskit::error &e) {
 *         if (e.status() == OMSKIT_STATUS_INSUFFICIENT_STOCK) std::cerr << "short of " << e.sku() << "\n";
 *         else throw;
 *     }
 */
#ifndef OMSKIT_HPP
#define OMSKIT_HPP

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "omskit.h"

namespace omskit {

/* A failed call: the status and everything omskit_last_error_* reported. */
class error : public std::runtime_error {
public:
    error(omskit_status status, const std::string &message, std::optional<std::string> field,
          std::optional<std::string> sku, std::string json)
        : std::runtime_error(message),
          status_(status),
          field_(std::move(field)),
          sku_(std::move(sku)),
          json_(std::move(json)) {}

    /* The error this thread's last failed call left. */
    static error last(omskit_status status) {
        const char *message = omskit_last_error_message();
        const char *field = omskit_last_error_field();
        const char *sku = omskit_last_error_sku();
        const char *json = omskit_last_error_json();
        return error(status, message != nullptr ? message : "",
                     field != nullptr ? std::optional<std::string>(field) : std::nullopt,
                     sku != nullptr ? std::optional<std::string>(sku) : std::nullopt,
                     json != nullptr ? json : "{}");
    }

    omskit_status status() const noexcept { return status_; }
    /* The status's name, such as "INSUFFICIENT_STOCK". */
    const char *status_name() const noexcept { return omskit_status_name(status_); }
    /* The field the error is about (VALIDATION, CONFLICT, INVALID_ARGUMENT), if any. */
    const std::optional<std::string> &field() const noexcept { return field_; }
    /* The first short SKU (INSUFFICIENT_STOCK), if any. */
    const std::optional<std::string> &sku() const noexcept { return sku_; }
    /* The whole error as a JSON object. */
    const std::string &json() const noexcept { return json_; }

private:
    omskit_status status_;
    std::optional<std::string> field_;
    std::optional<std::string> sku_;
    std::string json_;
};

namespace detail {

inline void check(omskit_status status) {
    if (status != OMSKIT_STATUS_OK) throw error::last(status);
}

/* Owns a string the library returned. */
class owned {
public:
    owned() = default;
    owned(const owned &) = delete;
    owned &operator=(const owned &) = delete;
    ~owned() { omskit_string_free(ptr_); }
    char **out() noexcept { return &ptr_; }
    std::string str() const { return ptr_ != nullptr ? std::string(ptr_) : std::string(); }

private:
    char *ptr_ = nullptr;
};

}  // namespace detail

/* The value at a JSON Pointer (RFC 6901) in a JSON document: strings without
 * quotes, anything else as JSON text. Throws error (NOT_FOUND) when absent. */
inline std::string json_get(const std::string &json, const std::string &pointer) {
    detail::owned value;
    detail::check(omskit_json_get(json.c_str(), pointer.c_str(), value.out()));
    return value.str();
}

/* The stock of one SKU at one location. */
struct stock {
    int64_t on_hand = 0;
    int64_t reserved = 0;
    int64_t available = 0;
};

/* The library version, such as "0.1.0". */
inline std::string version() { return omskit_version(); }

/* An order-management engine over one store. */
class oms {
public:
    using callback = std::function<void(const std::string &event_json)>;

    /* An engine over a fresh in-memory store. */
    static oms in_memory() {
        omskit_oms *handle = nullptr;
        detail::check(omskit_oms_in_memory(&handle));
        return oms(handle);
    }

    /* An engine over a SQLite file (created if missing), synchronous=FULL. */
    static oms open(const std::string &path) {
        omskit_oms *handle = nullptr;
        detail::check(omskit_oms_open(path.c_str(), &handle));
        return oms(handle);
    }

    /* An engine over a SQLite file with options. */
    static oms open(const std::string &path, const omskit_sqlite_options &options) {
        omskit_oms *handle = nullptr;
        detail::check(omskit_oms_open_with(path.c_str(), &options, &handle));
        return oms(handle);
    }

    /* An engine over PostgreSQL at `url`, in `schema` when one is given. */
    static oms connect(const std::string &url, const std::optional<std::string> &schema = std::nullopt,
                       uint32_t pool_size = 0) {
        omskit_oms *handle = nullptr;
        omskit_pg_options options{schema ? schema->c_str() : nullptr, pool_size};
        detail::check(omskit_oms_connect_with(url.c_str(), &options, &handle));
        return oms(handle);
    }

    oms(const oms &) = delete;
    oms &operator=(const oms &) = delete;
    oms(oms &&other) noexcept : state_(std::move(other.state_)) {}
    oms &operator=(oms &&other) noexcept {
        if (this != &other) {
            reset();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    ~oms() { reset(); }

    /* The C handle, for calls this wrapper does not cover (NULL after a move). */
    omskit_oms *get() const noexcept { return state_ ? state_->handle : nullptr; }
    explicit operator bool() const noexcept { return get() != nullptr; }

    /* Replaces the hold rules (JSON array, see omskit_oms_set_hold_rules).
     * Call before sharing the engine between threads. */
    void set_hold_rules(const std::string &rules_json) {
        detail::check(omskit_oms_set_hold_rules(handle(), rules_json.c_str()));
    }

    /* Locations and stock. */
    void add_location(const std::string &code, const std::string &name, int32_t priority) const {
        detail::check(omskit_add_location(handle(), code.c_str(), name.c_str(), priority));
    }
    void set_location_active(const std::string &code, bool active) const {
        detail::check(omskit_set_location_active(handle(), code.c_str(), active));
    }
    std::string locations() const {
        detail::owned json;
        detail::check(omskit_locations(handle(), json.out()));
        return json.str();
    }
    void receive_stock(const std::string &sku, const std::string &location, int64_t quantity,
                       const std::string &reference) const {
        detail::check(omskit_receive_stock(handle(), sku.c_str(), location.c_str(), quantity,
                                           reference.c_str()));
    }
    void adjust_stock(const std::string &sku, const std::string &location, int64_t delta,
                      const std::string &reason) const {
        detail::check(
            omskit_adjust_stock(handle(), sku.c_str(), location.c_str(), delta, reason.c_str()));
    }
    stock stock_level(const std::string &sku, const std::string &location) const {
        stock level;
        detail::check(omskit_stock_level(handle(), sku.c_str(), location.c_str(), &level.on_hand,
                                         &level.reserved, &level.available));
        return level;
    }
    std::string stock_levels(const std::string &sku) const {
        detail::owned json;
        detail::check(omskit_stock_levels(handle(), sku.c_str(), json.out()));
        return json.str();
    }
    int64_t available(const std::string &sku) const {
        int64_t units = 0;
        detail::check(omskit_available(handle(), sku.c_str(), &units));
        return units;
    }
    std::string stock_movements(const std::string &sku,
                                const std::optional<std::string> &location = std::nullopt) const {
        detail::owned json;
        detail::check(omskit_stock_movements(handle(), sku.c_str(),
                                             location ? location->c_str() : nullptr, json.out()));
        return json.str();
    }

    /* Orders: drafts in, orders out, as JSON. */
    std::string place_order(const std::string &draft_json) const {
        detail::owned json;
        detail::check(omskit_place_order(handle(), draft_json.c_str(), json.out()));
        return json.str();
    }
    std::string place_orders(const std::string &drafts_json) const {
        detail::owned json;
        detail::check(omskit_place_orders(handle(), drafts_json.c_str(), json.out()));
        return json.str();
    }
    std::string order(const std::string &order_id) const {
        detail::owned json;
        detail::check(omskit_order(handle(), order_id.c_str(), json.out()));
        return json.str();
    }
    std::string orders(const std::optional<std::string> &after = std::nullopt,
                       size_t limit = SIZE_MAX) const {
        detail::owned json;
        detail::check(omskit_orders(handle(), after ? after->c_str() : nullptr, limit, json.out()));
        return json.str();
    }
    std::string reservations(const std::string &order_id) const {
        detail::owned json;
        detail::check(omskit_reservations(handle(), order_id.c_str(), json.out()));
        return json.str();
    }
    std::string edit_order(const std::string &order_id, const std::string &edits_json) const {
        detail::owned json;
        detail::check(omskit_edit_order(handle(), order_id.c_str(), edits_json.c_str(), json.out()));
        return json.str();
    }
    std::string hold_order(const std::string &order_id, const std::string &reason) const {
        detail::owned json;
        detail::check(omskit_hold_order(handle(), order_id.c_str(), reason.c_str(), json.out()));
        return json.str();
    }
    std::string release_hold(const std::string &order_id) const {
        detail::owned json;
        detail::check(omskit_release_hold(handle(), order_id.c_str(), json.out()));
        return json.str();
    }
    std::string cancel_order(const std::string &order_id, const std::string &reason) const {
        detail::owned json;
        detail::check(omskit_cancel_order(handle(), order_id.c_str(), reason.c_str(), json.out()));
        return json.str();
    }
    std::string cancel_lines(const std::string &order_id, const std::string &lines_json,
                             const std::string &reason) const {
        detail::owned json;
        detail::check(omskit_cancel_lines(handle(), order_id.c_str(), lines_json.c_str(),
                                          reason.c_str(), json.out()));
        return json.str();
    }
    /* `amount` is a decimal string in the order's currency, such as "113.20". */
    std::string record_payment(const std::string &order_id, omskit_payment_kind kind,
                               const std::string &amount, const std::string &reference) const {
        detail::owned json;
        detail::check(omskit_record_payment(handle(), order_id.c_str(), static_cast<uint32_t>(kind),
                                            amount.c_str(), reference.c_str(), json.out()));
        return json.str();
    }

    /* The event log and its hash chain. */
    std::string events_since(uint64_t after, size_t limit = SIZE_MAX) const {
        detail::owned json;
        detail::check(omskit_events_since(handle(), after, limit, json.out()));
        return json.str();
    }
    /* True when every event verified; `report_json` receives the report when given. */
    bool verify_audit_chain(std::string *report_json = nullptr) const {
        bool intact = false;
        detail::owned json;
        detail::check(omskit_verify_audit_chain(handle(), &intact, report_json ? json.out() : nullptr));
        if (report_json != nullptr) *report_json = json.str();
        return intact;
    }

    /* Calls `fn` with every event committed from now on (see omskit_subscribe),
     * until unsubscribe(id) or the engine's destruction. An exception thrown
     * by `fn` is caught and dropped: it cannot cross the C library. */
    uint64_t subscribe(callback fn) const {
        auto owned_fn = std::make_unique<callback>(std::move(fn));
        uint64_t id = 0;
        detail::check(omskit_subscribe(handle(), &trampoline, owned_fn.get(), &id));
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->callbacks.emplace(id, std::move(owned_fn));
        return id;
    }
    void unsubscribe(uint64_t id) const {
        detail::check(omskit_unsubscribe(handle(), id));
        // The callback stays allocated until the engine is destroyed: a call
        // running on another thread may still be delivering an event to it.
        std::lock_guard<std::mutex> lock(state_->mutex);
        auto found = state_->callbacks.find(id);
        if (found != state_->callbacks.end()) {
            state_->retired.push_back(std::move(found->second));
            state_->callbacks.erase(found);
        }
    }

private:
    struct state {
        omskit_oms *handle = nullptr;
        std::mutex mutex;
        std::map<uint64_t, std::unique_ptr<callback>> callbacks;
        std::vector<std::unique_ptr<callback>> retired;
    };

    explicit oms(omskit_oms *handle) : state_(std::make_unique<state>()) { state_->handle = handle; }

    omskit_oms *handle() const {
        if (!state_) {
            throw error(OMSKIT_STATUS_INVALID_ARGUMENT, "oms: used after being moved from", "oms",
                        std::nullopt,
                        R"({"status":"INVALID_ARGUMENT","code":7,)"
                        R"("message":"oms: used after being moved from","field":"oms"})");
        }
        return state_->handle;
    }

    void reset() noexcept {
        if (state_) {
            omskit_oms_free(state_->handle);  // ends the subscriptions first
            state_.reset();
        }
    }

    static void trampoline(const char *event_json, void *user_data) noexcept {
        try {
            (*static_cast<callback *>(user_data))(std::string(event_json));
        } catch (...) {
            // An exception must not unwind through the C library.
        }
    }

    std::unique_ptr<state> state_;
};

}  // namespace omskit

#endif /* OMSKIT_HPP */
