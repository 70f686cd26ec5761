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
 * - A carrier implemented in C++ derives from omskit::carrier; an
 *   omskit::error it throws becomes the error of the call that used it.
 * - Results that may be absent (a SKU's bin, a reading's breach, an event's
 *   notification) are std::optional<std::string>.
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
#include <cstdlib>
#include <cstring>
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

    /* An error to throw from an omskit::carrier: `status` (VALIDATION,
     * NOT_FOUND, CONFLICT or STORAGE keep their meaning, see omskit_carrier),
     * a message and, for VALIDATION and CONFLICT, the field. */
    error(omskit_status status, const std::string &message,
          std::optional<std::string> field = std::nullopt);

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

/* `text` as a JSON string literal, quotes included. */
inline std::string json_quote(const std::string &text) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xF];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

/* A copy of `text` from malloc, as omskit_carrier callbacks answer (NULL
 * when memory is short). */
inline char *malloc_copy(const std::string &text) noexcept {
    char *copy = static_cast<char *>(std::malloc(text.size() + 1));
    if (copy != nullptr) std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
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
    std::optional<std::string> opt() const {
        return ptr_ != nullptr ? std::optional<std::string>(ptr_) : std::nullopt;
    }

private:
    char *ptr_ = nullptr;
};

}  // namespace detail

inline error::error(omskit_status status, const std::string &message,
                    std::optional<std::string> field)
    : error(status, message, field, std::nullopt,
            "{\"status\":" + detail::json_quote(omskit_status_name(status)) +
                ",\"code\":" + std::to_string(static_cast<int>(status)) +
                ",\"message\":" + detail::json_quote(message) +
                (field ? ",\"field\":" + detail::json_quote(*field) : std::string()) + "}") {}

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

/* The state diagram of "order" or "fulfillment", as Mermaid or DOT source. */
inline std::string state_diagram(const std::string &machine,
                                 omskit_diagram_format format = OMSKIT_DIAGRAM_FORMAT_MERMAID) {
    detail::owned text;
    detail::check(omskit_state_diagram(machine.c_str(), static_cast<uint32_t>(format), text.out()));
    return text.str();
}

/* A shipping carrier implemented in C++ (a real carrier's API), for
 * oms::register_carrier. The documents are JSON, as omskit_carrier in
 * omskit.h describes them. The methods may run on any thread using the
 * engine, several at once, and may block on the network. A method that
 * fails throws: an omskit::error keeps its status, message and field
 * (throw omskit::error(OMSKIT_STATUS_STORAGE, "...") for a transient
 * failure); any other exception becomes STORAGE naming the carrier. */
class carrier {
public:
    virtual ~carrier() = default;
    /* The quotes for `request_json`: a JSON array, `[]` when no service fits. */
    virtual std::string quote(const std::string &request_json) = 0;
    /* Buys a label for `service`: a JSON object with a new tracking number. */
    virtual std::string create_label(const std::string &request_json, const std::string &service) = 0;
    /* Voids a label that will not be used. */
    virtual void void_label(const std::string &tracking_number) = 0;
};

namespace detail {

/* What omskit_carrier.user_data points to for a C++ carrier. */
struct carrier_box {
    std::shared_ptr<carrier> impl;
};

/* Reports an exception of a carrier method through a callback's out-slot. */
inline int32_t carrier_failed(char **out) noexcept {
    try {
        throw;
    } catch (const error &e) {
        std::string described = "{\"message\":" + json_quote(e.what());
        if (e.field()) described += ",\"field\":" + json_quote(*e.field());
        *out = malloc_copy(described + "}");
        return e.status() == OMSKIT_STATUS_OK ? OMSKIT_STATUS_OTHER : e.status();
    } catch (const std::exception &e) {
        *out = malloc_copy(e.what());
    } catch (...) {
        *out = malloc_copy("an exception that is not a std::exception");
    }
    return OMSKIT_STATUS_OTHER;
}

inline int32_t carrier_quote(const char *request_json, void *user_data, char **out_json) noexcept {
    try {
        *out_json = malloc_copy(static_cast<carrier_box *>(user_data)->impl->quote(request_json));
        return *out_json != nullptr ? OMSKIT_STATUS_OK : OMSKIT_STATUS_STORAGE;
    } catch (...) {
        return carrier_failed(out_json);
    }
}

inline int32_t carrier_create_label(const char *request_json, const char *service, void *user_data,
                                    char **out_json) noexcept {
    try {
        *out_json = malloc_copy(
            static_cast<carrier_box *>(user_data)->impl->create_label(request_json, service));
        return *out_json != nullptr ? OMSKIT_STATUS_OK : OMSKIT_STATUS_STORAGE;
    } catch (...) {
        return carrier_failed(out_json);
    }
}

inline int32_t carrier_void_label(const char *tracking_number, void *user_data,
                                  char **out_error) noexcept {
    try {
        static_cast<carrier_box *>(user_data)->impl->void_label(tracking_number);
        return OMSKIT_STATUS_OK;
    } catch (...) {
        return carrier_failed(out_error);
    }
}

inline void carrier_free(void *user_data) noexcept { delete static_cast<carrier_box *>(user_data); }

}  // namespace detail

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

    /* Fulfilment: JSON in and out, as in omskit.h. `fulfil` returns the new
     * fulfilment orders (a JSON array); the transitions return the
     * fulfilment order. */
    std::string fulfil(const std::string &order_id) const {
        detail::owned json;
        detail::check(omskit_fulfil(handle(), order_id.c_str(), json.out()));
        return json.str();
    }
    std::string fulfillment(const std::string &fulfillment_id) const {
        detail::owned json;
        detail::check(omskit_fulfillment(handle(), fulfillment_id.c_str(), json.out()));
        return json.str();
    }
    std::string fulfillments(const std::string &order_id) const {
        detail::owned json;
        detail::check(omskit_fulfillments(handle(), order_id.c_str(), json.out()));
        return json.str();
    }
    void set_bin(const std::string &sku, const std::string &location, const std::string &bin) const {
        detail::check(omskit_set_bin(handle(), sku.c_str(), location.c_str(), bin.c_str()));
    }
    /* The bin of `sku` at `location`, if one was recorded. */
    std::optional<std::string> bin(const std::string &sku, const std::string &location) const {
        detail::owned text;
        detail::check(omskit_bin(handle(), sku.c_str(), location.c_str(), text.out()));
        return text.opt();
    }
    /* `fulfillment_ids_json` is a JSON array of ids; returns the pick list. */
    std::string create_pick_list(const std::string &location,
                                 const std::string &fulfillment_ids_json) const {
        detail::owned json;
        detail::check(omskit_create_pick_list(handle(), location.c_str(),
                                              fulfillment_ids_json.c_str(), json.out()));
        return json.str();
    }
    std::string create_pick_list(const std::string &location,
                                 const std::vector<std::string> &fulfillment_ids) const {
        std::string ids = "[";
        for (const auto &id : fulfillment_ids) {
            if (ids.size() > 1) ids += ",";
            ids += detail::json_quote(id);
        }
        return create_pick_list(location, ids + "]");
    }
    std::string confirm_pick(const std::string &fulfillment_id, const std::string &picked_json) const {
        detail::owned json;
        detail::check(
            omskit_confirm_pick(handle(), fulfillment_id.c_str(), picked_json.c_str(), json.out()));
        return json.str();
    }
    /* Reserves a pending fulfilment order's units (stock is back): returns
     * it, now ready, then the new fulfilment orders (a JSON array). */
    std::string allocate_fulfillment(const std::string &fulfillment_id) const {
        detail::owned json;
        detail::check(omskit_allocate_fulfillment(handle(), fulfillment_id.c_str(), json.out()));
        return json.str();
    }
    /* The pending fulfilment orders (awaiting stock) with an id above `after`, oldest first. */
    std::string pending_fulfillments(const std::optional<std::string> &after = std::nullopt,
                                     size_t limit = SIZE_MAX) const {
        detail::owned json;
        detail::check(omskit_pending_fulfillments(handle(), after ? after->c_str() : nullptr, limit,
                                                  json.out()));
        return json.str();
    }
    std::string pack(const std::string &fulfillment_id, const std::string &packages_json) const {
        detail::owned json;
        detail::check(omskit_pack(handle(), fulfillment_id.c_str(), packages_json.c_str(), json.out()));
        return json.str();
    }
    std::string hold_fulfillment(const std::string &fulfillment_id, const std::string &reason) const {
        detail::owned json;
        detail::check(
            omskit_hold_fulfillment(handle(), fulfillment_id.c_str(), reason.c_str(), json.out()));
        return json.str();
    }
    std::string release_fulfillment(const std::string &fulfillment_id) const {
        detail::owned json;
        detail::check(omskit_release_fulfillment(handle(), fulfillment_id.c_str(), json.out()));
        return json.str();
    }
    std::string cancel_fulfillment(const std::string &fulfillment_id, const std::string &reason) const {
        detail::owned json;
        detail::check(
            omskit_cancel_fulfillment(handle(), fulfillment_id.c_str(), reason.c_str(), json.out()));
        return json.str();
    }

    /* Carriers. */
    /* The built-in table-rate carrier, "table-rate", prices in `currency`. */
    void register_standard_carrier(const std::string &currency) const {
        detail::check(omskit_register_standard_carrier(handle(), currency.c_str()));
    }
    /* A table-rate carrier from its JSON configuration. */
    void register_table_rate_carrier(const std::string &config_json) const {
        detail::check(omskit_register_table_rate_carrier(handle(), config_json.c_str()));
    }
    /* A carrier implemented in C++, under `name`; the engine shares
     * ownership of `impl` until it is replaced or the engine destroyed. */
    void register_carrier(const std::string &name, std::shared_ptr<carrier> impl) const {
        if (!impl) {
            throw error(OMSKIT_STATUS_INVALID_ARGUMENT, "carrier: must not be null", "carrier");
        }
        auto box = std::make_unique<detail::carrier_box>(detail::carrier_box{std::move(impl)});
        omskit_carrier callbacks{name.c_str(),
                                 box.get(),
                                 &detail::carrier_quote,
                                 &detail::carrier_create_label,
                                 &detail::carrier_void_label,
                                 &detail::carrier_free,
                                 nullptr};
        detail::check(omskit_register_carrier(handle(), &callbacks));
        box.release();  // the engine owns it now and frees it through carrier_free
    }
    /* The registered carriers' names, as a JSON array. */
    std::string carriers() const {
        detail::owned json;
        detail::check(omskit_carriers(handle(), json.out()));
        return json.str();
    }

    /* Shipping, tracking and delivery. */
    std::string quote_shipment(const std::string &fulfillment_id) const {
        detail::owned json;
        detail::check(omskit_quote_shipment(handle(), fulfillment_id.c_str(), json.out()));
        return json.str();
    }
    std::string ship(const std::string &fulfillment_id, const std::string &carrier_name,
                     const std::string &service) const {
        detail::owned json;
        detail::check(omskit_ship(handle(), fulfillment_id.c_str(), carrier_name.c_str(),
                                  service.c_str(), json.out()));
        return json.str();
    }
    /* `rule_json`: {"rule": "cheapest", "deliver_by": ...} or {"rule": "fastest", "budget": ...}. */
    std::string ship_with(const std::string &fulfillment_id, const std::string &rule_json) const {
        detail::owned json;
        detail::check(
            omskit_ship_with(handle(), fulfillment_id.c_str(), rule_json.c_str(), json.out()));
        return json.str();
    }
    /* Returns {"fulfillment": ..., "recorded": ..., "applied": ...}. */
    std::string record_tracking_event(const std::string &tracking_number,
                                      const std::string &update_json) const {
        detail::owned json;
        detail::check(omskit_record_tracking_event(handle(), tracking_number.c_str(),
                                                   update_json.c_str(), json.out()));
        return json.str();
    }
    /* `delivered_at` is RFC 3339 text; returns the outcome as record_tracking_event. */
    std::string confirm_delivery(const std::string &tracking_number, const std::string &proof_json,
                                 const std::string &delivered_at) const {
        detail::owned json;
        detail::check(omskit_confirm_delivery(handle(), tracking_number.c_str(), proof_json.c_str(),
                                              delivered_at.c_str(), json.out()));
        return json.str();
    }
    std::string tracking_events(const std::string &tracking_number) const {
        detail::owned json;
        detail::check(omskit_tracking_events(handle(), tracking_number.c_str(), json.out()));
        return json.str();
    }
    std::string set_condition_thresholds(const std::string &tracking_number,
                                         const std::string &thresholds_json) const {
        detail::owned json;
        detail::check(omskit_set_condition_thresholds(handle(), tracking_number.c_str(),
                                                      thresholds_json.c_str(), json.out()));
        return json.str();
    }
    /* Why the reading is out of range, if it is. */
    std::optional<std::string> record_condition_reading(const std::string &tracking_number,
                                                        const std::string &reading_json) const {
        detail::owned breach;
        detail::check(omskit_record_condition_reading(handle(), tracking_number.c_str(),
                                                      reading_json.c_str(), breach.out()));
        return breach.opt();
    }
    std::string condition_readings(const std::string &tracking_number) const {
        detail::owned json;
        detail::check(omskit_condition_readings(handle(), tracking_number.c_str(), json.out()));
        return json.str();
    }
    /* The fulfilment orders newly found late (a JSON array). */
    std::string check_delivery_promises() const {
        detail::owned json;
        detail::check(omskit_check_delivery_promises(handle(), json.out()));
        return json.str();
    }

    /* Notifications. */
    /* The notification an event (as events_since lists it) calls for, if any. */
    std::optional<std::string> notification_for(const std::string &event_json) const {
        detail::owned json;
        detail::check(omskit_notification_for(handle(), event_json.c_str(), json.out()));
        return json.opt();
    }
    /* {"notifications": [...], "cursor": N}: pass the cursor as `after` next time. */
    std::string notifications_since(uint64_t after, size_t limit = SIZE_MAX) const {
        detail::owned json;
        detail::check(omskit_notifications_since(handle(), after, limit, json.out()));
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
