//! EC2 and STS error values and their wire envelopes.

use axum::{
    body::Body,
    http::{header, StatusCode},
    response::Response,
};

use super::xml::escape;

/// One API error: HTTP status, AWS error code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Ec2Error {
    /// HTTP status (400 unless AWS uses another one for this code).
    pub status: u16,
    /// The AWS error code, e.g. `InvalidVpcID.NotFound`.
    pub code: String,
    /// Human-readable message, worded like AWS's where known.
    pub message: String,
}

/// Result of an EC2 action.
pub type R<T> = Result<T, Ec2Error>;

impl Ec2Error {
    /// A 400 error with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Ec2Error {
            status: 400,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// `InvalidParameterValue` with the given message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterValue", message)
    }

    /// `MissingParameter`, worded as AWS does.
    pub fn missing(param: &str) -> Self {
        Self::new(
            "MissingParameter",
            format!("The request must contain the parameter {param}"),
        )
    }

    /// `<Code>` for an unknown id, e.g. `not_found("InvalidVpcID", "vpc", id)`; AWS words these
    /// "The vpc ID 'vpc-1' does not exist" (EC2 API reference, "Error codes").
    pub fn not_found(code_prefix: &str, kind: &str, id: &str) -> Self {
        Self::new(
            &format!("{code_prefix}.NotFound"),
            format!("The {kind} ID '{id}' does not exist"),
        )
    }

    /// The not-found error that fits an id's prefix (`vpc-`, `rtb-`, ...).
    pub fn not_found_for_id(id: &str) -> Self {
        let prefix = id.rsplit_once('-').map(|(p, _)| p).unwrap_or(id);
        match prefix {
            "vpc" => Self::not_found("InvalidVpcID", "vpc", id),
            "subnet" => Self::not_found("InvalidSubnetID", "subnet", id),
            "rtb" => Self::not_found("InvalidRouteTableID", "routeTable", id),
            "cgw" => Self::not_found("InvalidCustomerGatewayID", "customerGateway", id),
            "vgw" => Self::not_found("InvalidVpnGatewayID", "vpnGateway", id),
            "vpn" => Self::not_found("InvalidVpnConnectionID", "vpnConnection", id),
            "pcx" => Self::not_found("InvalidVpcPeeringConnectionID", "vpcPeeringConnection", id),
            "tgw" => Self::not_found("InvalidTransitGatewayID", "transitGateway", id),
            "tgw-attach" => Self::not_found(
                "InvalidTransitGatewayAttachmentID",
                "transitGatewayAttachment",
                id,
            ),
            _ => Self::new("InvalidID", format!("The ID '{id}' is not valid")),
        }
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The EC2 envelope (`api-data/aws/examples/ec2-error-response.xml`): note `RequestID`,
    /// not `requestId` as in success bodies.
    pub fn render_ec2(&self) -> Response {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            escape(&self.code),
            escape(&self.message),
            uuid::Uuid::new_v4()
        );
        xml_response(self.status, body)
    }

    /// The AWS query-protocol envelope STS uses (`<ErrorResponse>`).
    pub fn render_sts(&self) -> Response {
        let kind = if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        let body = format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            escape(&self.code),
            escape(&self.message),
            uuid::Uuid::new_v4()
        );
        xml_response(self.status, body)
    }
}

/// A `text/xml` response with the given status.
pub fn xml_response(status: u16, body: String) -> Response {
    xml_response_with_id(status, &uuid::Uuid::new_v4().to_string(), body)
}

/// A `text/xml` response that also carries the request id in `x-amzn-RequestId`, the
/// header the SDKs read it from.
pub fn xml_response_with_id(status: u16, request_id: &str, body: String) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .header(header::CONTENT_TYPE, "text/xml;charset=UTF-8")
        .header("x-amzn-RequestId", request_id)
        .body(Body::from(body))
        .unwrap()
}
