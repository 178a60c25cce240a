// The colleagues online, as buttons in a dialog (transfer and invite both pick one).
import { api } from "./api.js";
import { h, fill } from "./dom.js";
import { t } from "./i18n.js";

const STATUS = { online: t("online"), away: t("away"), offline: t("offline") };

/** Fill `list` with a button per colleague online other than `mySid`; `pick(staff)` runs on a click. */
export async function fillColleagues(list, mySid, pick) {
  const data = await api("GET", "/api/staff/online");
  const others = data.data.filter((s) => s.uid !== mySid);
  fill(
    list,
    others.length
      ? others.map((s) =>
          h(
            "button",
            { type: "button", class: "colleague", onclick: () => pick(s) },
            s.name,
            h("span", { class: "meta" }, ` ${STATUS[s.status] || s.status}`),
          ),
        )
      : h("p", {}, t("No colleague is online.")),
  );
}
