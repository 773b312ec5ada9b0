from inventory.models import Device


def form_data(device: Device, **changes) -> dict:
    """What the edit form sends for the device as it is, with `changes`."""
    data = {
        "asset_tag": device.asset_tag,
        "serial_number": device.serial_number,
        "mac_addresses": ", ".join(device.mac_addresses),
        "model": device.model_id,
        "school": device.school_id,
        "room": device.room_id or "",
        "status": device.status,
        "purchase_date": device.purchase_date.isoformat() if device.purchase_date else "",
        "purchase_price": str(device.purchase_price or "").replace(".", ","),
        "funding_programme": device.funding_programme,
        "warranty_end": device.warranty_end.isoformat() if device.warranty_end else "",
        "notes": device.notes,
    }
    if device.lendable:
        data["lendable"] = "on"
    data.update(changes)
    return data
