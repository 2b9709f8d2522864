//! Compiles the vendored plugin protocol files with protox, so no `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/tfplugin6.10.proto",
        "proto/go-plugin/grpc_controller.proto",
        "proto/go-plugin/grpc_stdio.proto",
        "proto/go-plugin/grpc_broker.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto", "proto/go-plugin"])?;
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .generate_default_stubs(true)
        .compile_fds(fds)?;
    Ok(())
}
