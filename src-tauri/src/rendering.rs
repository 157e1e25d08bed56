//! How the webview draws, chosen per machine before it is made. WebKitGTK composites the page with OpenGL;
//! on a machine without a GPU that GL is Mesa's software renderer (llvmpipe), which costs the web process
//! 90–105 MiB more (proportional set size) and paints no faster than WebKit's own non-composited mode
//! (figures in `docs/benchmarks.md`, "Start-up and memory"). So where no GPU can render — no DRM render node
//! (`/dev/dri/renderD*`) with a hardware driver, or Mesa told to render in software — compositing is turned
//! off (`WEBKIT_DISABLE_COMPOSITING_MODE=1`); with a GPU WebKit's default (accelerated) stays. A value the
//! person set for that variable is always kept.

use std::ffi::{OsStr, OsString};
use std::path::Path;

/// WebKitGTK's switch for its compositing (hardware-accelerated) mode; any value but `0` turns it off.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
/// Mesa renders in software when this is set to anything but `0`/`false`.
const MESA_SOFTWARE: &str = "LIBGL_ALWAYS_SOFTWARE";
/// Kernel DRM drivers that offer a render node but draw nothing in hardware.
const SOFTWARE_DRIVERS: [&str; 2] = ["vgem", "vkms"];

/// What the machine says about drawing, read before the webview exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Machine {
    /// `WEBKIT_DISABLE_COMPOSITING_MODE` as the person's environment set it.
    pub compositing_setting: Option<OsString>,
    /// `LIBGL_ALWAYS_SOFTWARE` as set.
    pub mesa_software: Option<OsString>,
    /// The kernel driver behind each DRM render node (`None`: the node exists, its driver is not known).
    pub render_nodes: Vec<Option<String>>,
}

/// What the app does about WebKit's compositing mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    /// The person set `WEBKIT_DISABLE_COMPOSITING_MODE`: their value stays.
    AsSet,
    /// A GPU can render: WebKit's default, accelerated compositing.
    Default,
    /// No GPU can render: compositing off.
    Off(NoGpu),
}

/// Why no GPU is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoGpu {
    /// No DRM render node, or only software ones (`vgem`, `vkms`).
    NoRenderNode,
    /// `LIBGL_ALWAYS_SOFTWARE` asks Mesa for software rendering.
    SoftwareGl,
}

/// The choice for `machine`.
pub fn choose(machine: &Machine) -> Compositing {
    if machine.compositing_setting.is_some() {
        return Compositing::AsSet;
    }
    if machine.mesa_software.as_deref().is_some_and(is_true) {
        return Compositing::Off(NoGpu::SoftwareGl);
    }
    let hardware = machine
        .render_nodes
        .iter()
        .any(|driver| driver.as_deref().is_none_or(|driver| !SOFTWARE_DRIVERS.contains(&driver)));
    if hardware {
        Compositing::Default
    } else {
        Compositing::Off(NoGpu::NoRenderNode)
    }
}

/// Mesa's reading of a boolean variable: anything but empty, `0`, `false`, `no` or `n` is true.
fn is_true(value: &OsStr) -> bool {
    let value = value.to_string_lossy().trim().to_ascii_lowercase();
    !matches!(value.as_str(), "" | "0" | "false" | "no" | "n")
}

impl Compositing {
    /// Words for the log.
    pub fn describe(self) -> &'static str {
        match self {
            Compositing::AsSet => "WebKit compositing as set in WEBKIT_DISABLE_COMPOSITING_MODE",
            Compositing::Default => "WebKit compositing on (a GPU render node is present)",
            Compositing::Off(NoGpu::NoRenderNode) => {
                "no GPU render node: WebKit compositing off if SAFEROOM_AUTO_COMPOSITING=1, else WebKit's default"
            }
            Compositing::Off(NoGpu::SoftwareGl) => {
                "LIBGL_ALWAYS_SOFTWARE: WebKit compositing off if SAFEROOM_AUTO_COMPOSITING=1, else WebKit's default"
            }
        }
    }
}

/// This machine, from the environment and `/dev/dri` (with each node's driver from `/sys/class/drm`).
pub fn this_machine() -> Machine {
    Machine {
        compositing_setting: std::env::var_os(DISABLE_COMPOSITING),
        mesa_software: std::env::var_os(MESA_SOFTWARE),
        render_nodes: render_nodes(Path::new("/dev/dri"), Path::new("/sys/class/drm")),
    }
}

/// The drivers of the `renderD*` nodes in `dev` (their driver is `sys/NODE/device/driver`'s link name).
pub fn render_nodes(dev: &Path, sys: &Path) -> Vec<Option<String>> {
    let Ok(entries) = std::fs::read_dir(dev) else { return Vec::new() };
    let mut nodes: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("renderD"))
        .collect();
    nodes.sort();
    nodes
        .into_iter()
        .map(|name| {
            let driver = std::fs::read_link(sys.join(&name).join("device/driver")).ok()?;
            Some(driver.file_name()?.to_string_lossy().into_owned())
        })
        .collect()
}

/// Set to `1` to let the app apply its choice (turn compositing off on a machine without a GPU).
pub const APPLY_CHOICE: &str = "SAFEROOM_AUTO_COMPOSITING";

/// Choose for this machine and, only when `SAFEROOM_AUTO_COMPOSITING=1`, apply it; call first thing in `run`,
/// before any thread or window exists (the variable is read by WebKit when it starts, and changing the
/// environment is safe only while the process has one thread). Returns the choice for the log.
///
/// Not applied by default: with compositing off, WebKit's automation stalled after input (every end-to-end
/// journey and the package test drive the app through WebDriver; found when the journeys first ran with it),
/// and until that is understood the app keeps WebKit's default rather than ship a mode its tests cannot
/// drive. A person can still set `WEBKIT_DISABLE_COMPOSITING_MODE=1` themselves (about 100 MiB less without a
/// GPU, docs/benchmarks.md).
#[cfg(target_os = "linux")]
pub fn apply() -> Compositing {
    let choice = choose(&this_machine());
    let allowed = std::env::var_os(APPLY_CHOICE).is_some_and(|value| value == "1");
    if let (Compositing::Off(_), true) = (choice, allowed) {
        std::env::set_var(DISABLE_COMPOSITING, "1");
    }
    choice
}

/// Other systems' webviews choose for themselves.
#[cfg(not(target_os = "linux"))]
pub fn apply() -> Compositing {
    Compositing::Default
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(setting: Option<&str>, software: Option<&str>, nodes: &[Option<&str>]) -> Machine {
        Machine {
            compositing_setting: setting.map(OsString::from),
            mesa_software: software.map(OsString::from),
            render_nodes: nodes.iter().map(|node| node.map(str::to_owned)).collect(),
        }
    }

    #[test]
    fn a_machine_without_a_render_node_draws_without_compositing() {
        assert_eq!(choose(&machine(None, None, &[])), Compositing::Off(NoGpu::NoRenderNode));
        assert_eq!(choose(&machine(None, None, &[Some("vgem")])), Compositing::Off(NoGpu::NoRenderNode));
        assert_eq!(choose(&machine(None, Some("0"), &[Some("vkms")])), Compositing::Off(NoGpu::NoRenderNode));
    }

    #[test]
    fn a_gpu_keeps_webkits_accelerated_default() {
        assert_eq!(choose(&machine(None, None, &[Some("i915")])), Compositing::Default);
        assert_eq!(choose(&machine(None, None, &[Some("vgem"), Some("amdgpu")])), Compositing::Default);
        // A node whose driver cannot be read is taken for a GPU.
        assert_eq!(choose(&machine(None, None, &[None])), Compositing::Default);
        assert_eq!(choose(&machine(None, Some("false"), &[Some("nouveau")])), Compositing::Default);
    }

    #[test]
    fn software_gl_turns_compositing_off_even_with_a_gpu() {
        assert_eq!(choose(&machine(None, Some("1"), &[Some("i915")])), Compositing::Off(NoGpu::SoftwareGl));
        assert_eq!(choose(&machine(None, Some("true"), &[])), Compositing::Off(NoGpu::SoftwareGl));
    }

    #[test]
    fn the_persons_own_setting_is_never_overridden() {
        assert_eq!(choose(&machine(Some("0"), None, &[])), Compositing::AsSet);
        assert_eq!(choose(&machine(Some("1"), None, &[Some("i915")])), Compositing::AsSet);
        assert_eq!(choose(&machine(Some(""), Some("1"), &[])), Compositing::AsSet);
    }

    #[test]
    fn render_nodes_are_read_with_their_drivers() {
        let root = tempfile::tempdir().unwrap();
        let (dev, sys) = (root.path().join("dev/dri"), root.path().join("sys/class/drm"));
        std::fs::create_dir_all(&dev).unwrap();
        assert!(render_nodes(&dev, &sys).is_empty());
        assert!(render_nodes(&root.path().join("missing"), &sys).is_empty());
        for name in ["card0", "renderD129", "renderD128"] {
            std::fs::write(dev.join(name), b"").unwrap();
        }
        let drivers = root.path().join("sys/bus/pci/drivers");
        std::fs::create_dir_all(drivers.join("i915")).unwrap();
        std::fs::create_dir_all(sys.join("renderD128/device")).unwrap();
        std::os::unix::fs::symlink(drivers.join("i915"), sys.join("renderD128/device/driver")).unwrap();
        assert_eq!(render_nodes(&dev, &sys), vec![Some("i915".to_owned()), None]);
    }

    #[test]
    fn this_machine_is_read_without_failing() {
        // This project's test machine has no GPU; the reading must agree with /dev/dri whatever it holds.
        let machine = this_machine();
        let nodes = std::fs::read_dir("/dev/dri")
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().starts_with("renderD"))
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(machine.render_nodes.len(), nodes);
    }
}
